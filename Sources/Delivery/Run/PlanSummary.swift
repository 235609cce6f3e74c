public import Checkpoint
public import ZiettAPI

/// What the job will send: for the dry run and for the first lines of a run.
public struct PlanSummary: Sendable, Equatable, Codable {
    /// Recipients to send to (pending + already sent).
    public var recipients: Int
    /// Recipients still pending.
    public var pending: Int
    /// Chunks (requests) still open.
    public var openChunks: Int
    /// `POST /campaigns/batch` or `POST /messages` (encoded as that text): the one whose requests take
    /// longest (the only one, unless a job that groups texts sends both).
    public var endpoint: ZiettEndpoint
    /// The open requests by endpoint.
    public var requests: RequestCount
    /// SMS segments of all pending messages.
    public var segments: Int
    /// Encoding of the (first) message.
    public var encoding: String
    /// Warnings about encoding (UCS-2 forced by a character, multi-segment texts).
    public var warnings: [String]
    /// The send rate of `endpoint`.
    public var rate: String
    /// The send rate of batches.
    public var batchRate: String
    /// The send rate of single messages.
    public var messageRate: String
    /// Seconds the send will take at that rate (from the next window's opening, when none is open now).
    public var estimatedSeconds: Double
    /// The send window's outlook, when the job has one.
    public var window: WindowOutlook?
}
