public import Checkpoint

/// What one `track` pass did, for the summary and the exit code.
public struct TrackReport: Sendable {
    /// Why the pass ended.
    public enum End: Sendable, Equatable {
        /// Every accepted request was looked up.
        case complete
        /// SIGTERM/SIGINT.
        case interrupted
        /// The API kept failing (5xx, timeouts) or rate-limited past the wait limit.
        case retriesExhausted(RecordedError)
        /// 401/403: the key or its `messages:list` scope was refused.
        case authentication(RecordedError)

        /// The process exit code.
        public var exitStatus: ExitStatus {
            switch self {
            case .complete: .complete
            case .interrupted, .retriesExhausted: .runAgainLater
            case .authentication: .authentication
            }
        }
    }

    /// Why it ended.
    public var end: End
    /// Campaigns and single messages looked up in this pass.
    public var requestsChecked = 0
    /// Requests skipped because every recipient already had a final status.
    public var requestsSkipped = 0
    /// List pages read (`GET` requests made).
    public var pagesRead = 0
    /// Recipients whose delivery status was recorded in this pass.
    public var recipientsUpdated = 0
    /// Messages listed by the API that matched no recipient of the campaign.
    public var unmatchedMessages = 0
    /// Delivery counts of the whole job after the pass.
    public var delivery: DeliveryCounts?

    /// Creates a report.
    public init(end: End) { self.end = end }
}
