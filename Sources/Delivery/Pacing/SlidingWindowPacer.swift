public import ZiettAPI

/// Decides when the next request may leave so that no sliding window of the API's length ever holds
/// more than the limit, and honours what the server says (`Retry-After`, `X-RateLimit-*`).
///
/// A pure value: times are passed in, so it is tested without clocks. Seeded with the start times of
/// the previous run's requests, a cron run that starts a few seconds after another does not overrun the
/// window the previous one began.
public struct SlidingWindowPacer: Sendable {
    /// The budget.
    public let limit: RateLimit
    /// Extra seconds added after a window slides, for clock skew and network jitter.
    public let margin: Double
    private var sent: [Double] = []
    /// Until when the server asked to wait (0: never).
    public private(set) var blockedUntil: Double = 0

    /// Creates a pacer, optionally seeded with earlier send times.
    public init(limit: RateLimit, history: [Double] = []) {
        self.limit = limit
        margin = Self.margin(for: limit)
        sent = history.sorted()
    }

    /// The earliest time at or after `now` (and `notBefore`, when given) when a request may leave.
    public mutating func earliestSend(now: Double, notBefore: Double? = nil) -> Double {
        let horizon = now - limit.window - margin
        if let firstKept = sent.firstIndex(where: { $0 > horizon }) {
            if firstKept > 0 { sent.removeFirst(firstKept) }
        } else {
            sent.removeAll(keepingCapacity: true)
        }
        var at = max(now, notBefore ?? now, blockedUntil)
        if sent.count >= limit.count {
            at = max(at, sent[sent.count - limit.count] + limit.window + margin)
        }
        return at
    }

    /// The extra seconds after a window of `limit` slides (clock skew, network jitter): 1 % of the window,
    /// at most a quarter second, plus 2 ms. The key's shared budget uses the same.
    public static func margin(for limit: RateLimit) -> Double { min(0.25, limit.window * 0.01) + 0.002 }

    /// Records that a request left at `time`.
    public mutating func recordSend(at time: Double) {
        sent.append(time)
    }

    /// Takes in the server's rate-limit signals.
    ///
    /// `X-RateLimit-Remaining: 0` with its reset blocks the budget only when this pacer's own record of the
    /// window is not full: then someone else spends the key (another host), and only the server knows when
    /// it frees. When our own requests fill the window, the pacer already knows to the millisecond when the
    /// next may go, while the reset is often rounded up to a whole second: honouring it made evenly spaced
    /// requests (one every half second for 120/min) wait up to a second each (measured: 54 % of a 5/s limit).
    /// With a budget shared by several jobs on the key, `knownInWindow` is how many of their requests the
    /// server certainly counted in this window (a lower bound from their ledger, this one included): a
    /// window those jobs fill together is known too, and the whole-second reset, honoured and shared with
    /// every job, cost two jobs 7 % of the limit on 10 s windows.
    public mutating func observe(retryAfter: Double?, remaining: Int?, reset: Double?, now: Double, knownInWindow: Int? = nil) {
        if let retryAfter { blockedUntil = max(blockedUntil, now + retryAfter) }
        if let remaining, remaining <= 0, let reset, reset > now {
            let horizon = now - limit.window - margin
            let ours = max(sent.reduce(0) { $0 + ($1 > horizon ? 1 : 0) }, knownInWindow ?? 0)
            if ours < limit.count { blockedUntil = max(blockedUntil, min(reset, now + limit.window) + margin) }
        }
    }
}
