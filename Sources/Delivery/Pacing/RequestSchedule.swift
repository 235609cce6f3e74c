public import ZiettAPI

/// The one answer to "when may the next request go".
///
/// Combines, for one endpoint: the request's own not-before (a chunk's backoff or retry time, stored in
/// the state), the pacer of the endpoint's budget (its sliding window, `Retry-After`,
/// `X-RateLimit-Remaining: 0` + `X-RateLimit-Reset`), the recipients' send window (the earliest time it
/// is open, from `SendSchedule`), and the longest wait a run sits through. Later inputs (a key budget
/// shared with other jobs) plug in here and nowhere else.
///
/// A pure value: times are passed in, so every rule is tested with plain numbers.
public struct RequestSchedule: Sendable {
    /// The verdict for one request.
    public enum Gate: Sendable, Equatable {
        /// It may leave now.
        case go
        /// It may leave at this time (Unix seconds), within the longest wait.
        case wait(until: Double)
        /// It may leave only at this time, later than the longest wait: the run should leave it to a
        /// later cron tick.
        case tooFar(until: Double)
    }

    /// The longest wait (seconds) a run sits through before it stops and leaves the rest to cron.
    public let maxWait: Double
    private var pacers: [PacingBucket: SlidingWindowPacer]
    private let limits: [PacingBucket: RateLimit]

    /// Creates a schedule.
    ///
    /// - Parameters:
    ///   - limits: a budget per bucket; a bucket without one uses its endpoint's documented limit.
    ///   - history: when earlier requests (earlier runs') counted in each bucket, so a cron run that
    ///     starts seconds after another does not overrun the window the other began.
    public init(maxWait: Double, limits: [PacingBucket: RateLimit] = [:], history: [PacingBucket: [Double]] = [:]) {
        self.maxWait = maxWait
        self.limits = limits
        pacers = [:]
        for (bucket, times) in history {
            pacers[bucket] = SlidingWindowPacer(limit: limits[bucket] ?? Self.documentedLimit(bucket), history: times)
        }
    }

    /// The budget that paces `bucket`.
    public func limit(of bucket: PacingBucket) -> RateLimit { limits[bucket] ?? Self.documentedLimit(bucket) }

    /// When a request to `endpoint` that must not leave before `notBefore` may leave, seen at `now`.
    ///
    /// `window` answers "the earliest time at or after t when the recipients' send window is open" (nil:
    /// none in sight, which is too far: `tooFar(until: .infinity)`). The pacer only frees up as time
    /// passes, so the window's earliest opening after the pacer's time is the answer.
    public mutating func gate(
        _ endpoint: ZiettEndpoint, notBefore: Double? = nil, window: ((Double) -> Double?)? = nil, now: Double
    ) -> Gate {
        var at = withPacer(of: endpoint) { $0.earliestSend(now: now, notBefore: notBefore) }
        if let window {
            guard let open = window(max(at, now)) else { return .tooFar(until: .infinity) }
            at = max(at, open)
        }
        if at <= now { return .go }
        return at - now > maxWait ? .tooFar(until: at) : .wait(until: at)
    }

    /// Records that a request to `endpoint` counted at `time`.
    ///
    /// The server counts a request when it arrives, somewhere between sending and the answer; the
    /// answer's time is the bound that never undercounts the server's window.
    public mutating func record(_ endpoint: ZiettEndpoint, at time: Double) {
        withPacer(of: endpoint) { $0.recordSend(at: time) }
    }

    /// Takes in the server's rate-limit signals from an answer to `endpoint`.
    /// `knownInWindow`: the requests in the window of every job sharing the key's budget, when known.
    public mutating func observe(
        _ endpoint: ZiettEndpoint, retryAfter: Double?, remaining: Int?, reset: Double?, now: Double, knownInWindow: Int? = nil
    ) {
        withPacer(of: endpoint) {
            $0.observe(retryAfter: retryAfter, remaining: remaining, reset: reset, now: now, knownInWindow: knownInWindow)
        }
    }

    /// Until when the server asked `endpoint`'s bucket to wait (`Retry-After`, an exhausted
    /// `X-RateLimit-*`), if later than now: shared with other jobs on the key.
    public func blockedUntil(of endpoint: ZiettEndpoint) -> Double? {
        pacers[endpoint.pacingBucket].flatMap { $0.blockedUntil > 0 ? $0.blockedUntil : nil }
    }

    /// Runs `body` on the pacer of `endpoint`'s bucket in place (created on first use), so its list of
    /// send times is never copied.
    private mutating func withPacer<Result>(of endpoint: ZiettEndpoint, _ body: (inout SlidingWindowPacer) -> Result) -> Result {
        let bucket = endpoint.pacingBucket
        let fresh = SlidingWindowPacer(limit: limit(of: bucket))
        return body(&pacers[bucket, default: fresh])
    }

    private static func documentedLimit(_ bucket: PacingBucket) -> RateLimit {
        ZiettEndpoint.allCases.first { $0.pacingBucket == bucket }?.documentedLimit ?? RateLimit.read
    }
}
