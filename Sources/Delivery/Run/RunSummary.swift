public import Checkpoint

/// What one `run` did, as a whole: the end-of-run summary printed for the operator, and the exit code.
///
/// Not the per-recipient report (`ziett-batch report`, one CSV line per input row): that is read from the
/// state file by the CLI's `RecipientReportWriter`.
public struct RunSummary: Sendable {
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
    /// Rows by libphonenumber number type (every valid number, whatever its status).
    public var numberTypes: [String: Int] = [:]

    /// Creates a summary.
    public init(exitStatus: ExitStatus, headline: String, details: [String] = []) {
        self.exitStatus = exitStatus
        self.headline = headline
        self.details = details
    }
}
