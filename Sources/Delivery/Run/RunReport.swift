public import Checkpoint

/// What a run did, for the final summary and the exit code.
public struct RunReport: Sendable {
    /// The exit code.
    public var exitStatus: ExitStatus
    /// One-line headline ("job complete", "stopped: …").
    public var headline: String
    /// Further lines for the operator (what to do next).
    public var details: [String] = []
    /// The job's name.
    public var jobName: String?
    /// The state file.
    public var statePath: String?
    /// Counts at the end.
    public var counts: JobCounts?
    /// The plan (dry run, or always shown before sending).
    public var plan: PlanSummary?
    /// Recipients accepted in this run.
    public var acceptedThisRun = 0
    /// Requests sent in this run.
    public var requestsThisRun = 0

    /// Creates a report.
    public init(exitStatus: ExitStatus, headline: String, details: [String] = []) {
        self.exitStatus = exitStatus
        self.headline = headline
        self.details = details
    }
}

/// What the job will send: for the dry run and for the first lines of a run.
public struct PlanSummary: Sendable, Equatable, Codable {
    /// Recipients to send to (pending + already sent).
    public var recipients: Int
    /// Recipients still pending.
    public var pending: Int
    /// Chunks (requests) still open.
    public var openChunks: Int
    /// `POST /campaigns/batch` or `POST /messages`.
    public var endpoint: String
    /// SMS segments of all pending messages.
    public var segments: Int
    /// Encoding of the (first) message.
    public var encoding: String
    /// Warnings about encoding (UCS-2 forced by a character, multi-segment texts).
    public var warnings: [String]
    /// The send rate used.
    public var rate: String
    /// Seconds the send will take at that rate.
    public var estimatedSeconds: Double
}
