public import Checkpoint
public import ZiettAPI

/// The limit a job paces each send endpoint at.
///
/// Without `--max-rate`, each endpoint's documented limit (10 batches, 120 messages a minute). With it,
/// the rate given is the limit of the job's own endpoint (batches for one text, messages for a
/// personalised one, as before grouped texts), and the other endpoint is scaled by the same factor: a
/// personalised job given `--max-rate 60/min` (half the message limit) sends its shared-text batches at
/// 5 a minute, half theirs, never at 60. One flag thus slows or speeds a whole job without ever putting a
/// batch lane at a message rate.
public struct SendLimits: Sendable, Equatable {
    /// `POST /campaigns/batch`.
    public var batches: RateLimit
    /// `POST /messages`.
    public var messages: RateLimit

    /// The limits of `job` under `maxRate` (`--max-rate`; nil: the documented limits).
    public init(job: Job, maxRate: RateLimit?) {
        self.init(main: job.sendingKind == .single ? .sendMessage : .sendBatch, maxRate: maxRate)
    }

    /// The limits when `maxRate` is given for `main`.
    public init(main: ZiettEndpoint, maxRate: RateLimit?) {
        func limit(_ endpoint: ZiettEndpoint) -> RateLimit {
            let documented = endpoint.documentedLimit
            guard let maxRate else { return documented }
            if endpoint == main { return maxRate }
            let factor = Self.perSecond(maxRate) / Self.perSecond(main.documentedLimit)
            let rate = Self.perSecond(documented) * factor
            let count = max(1, Int(rate * maxRate.window))
            return RateLimit(count: count, window: Double(count) / rate)
        }
        batches = limit(.sendBatch)
        messages = limit(.sendMessage)
    }

    /// The limit of `endpoint` (a send endpoint; any other gets its documented limit).
    public func limit(for endpoint: ZiettEndpoint) -> RateLimit {
        switch endpoint {
        case .sendBatch: batches
        case .sendMessage: messages
        default: endpoint.documentedLimit
        }
    }

    private static func perSecond(_ limit: RateLimit) -> Double { Double(limit.count) / limit.window }
}
