public import Checkpoint
public import ZiettAPI

/// The limit a job paces each send endpoint at.
///
/// Without `--max-rate`, each endpoint's documented limit (10 batches, 120 messages a minute). With it,
/// the rate given is the limit of the job's own endpoint (batches for one text, messages for a
/// personalised one, as before grouped texts), and the other endpoint is scaled by the same factor: a
/// personalised job given `--max-rate 60/min` (half the message limit) sends its shared-text batches at
/// 5 a minute, half theirs, never at 60. One flag thus slows or speeds a whole job without ever putting a
/// batch lane at a message rate. It scales up as well as down: a higher `--max-rate` (a raised account
/// limit, or the simulator in tests) speeds both lanes; if the API raised only one limit, the other lane
/// draws 429s and paces itself back (never a duplicate: a 429 proves the request was not processed).
public struct SendLimits: Sendable, Equatable {
    /// `POST /campaigns/batch`.
    public var batches: RateLimit
    /// `POST /messages`.
    public var messages: RateLimit

    /// The limits of `job` under `maxRate` (`--max-rate`; nil: the documented limits). The job's own
    /// endpoint is where most of its requests go: messages for a personalised job, and for a one-text job
    /// cut one recipient per chunk (`--chunk-size 1`, every chunk a single message); batches otherwise.
    public init(job: Job, maxRate: RateLimit?) {
        self.init(main: job.sendingKind == .single || job.chunkSize == 1 ? .sendMessage : .sendBatch, maxRate: maxRate)
    }

    /// The limits when `maxRate` is given for `main`.
    public init(main: ZiettEndpoint, maxRate: RateLimit?) {
        func limit(_ endpoint: ZiettEndpoint) -> RateLimit {
            let documented = endpoint.documentedLimit
            guard let maxRate else { return documented }
            if endpoint == main { return maxRate }
            let factor = Self.perSecond(maxRate) / Self.perSecond(main.documentedLimit)
            // Per minute, rounded down (never faster than the factor says), or one per whole number of
            // seconds when that is less than one a minute: limits that print plainly (`5/min`).
            let perMinute = min(Self.perSecond(documented) * factor * 60, 1e9)
            if perMinute >= 1 { return RateLimit(count: Int(perMinute), window: 60) }
            return RateLimit(count: 1, window: (60 / perMinute).rounded(.up))
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
