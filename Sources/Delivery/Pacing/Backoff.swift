import Recipients

/// Capped exponential backoff with full jitter: attempt n waits a uniform random time in
/// [0, min(cap, base · 2^(n−1))], never less than a server's `Retry-After`.
///
/// Full jitter spreads retries of many clients (or many cron runs) instead of synchronising them.
public struct Backoff: Sendable {
    /// First ceiling, in seconds.
    public var base: Double
    /// Largest ceiling, in seconds.
    public var cap: Double
    private var rng: SplitMix64

    /// Creates a backoff with a seed (printed in logs, so a run can be replayed).
    public init(base: Double = 1, cap: Double = 60, seed: UInt64) {
        self.base = base
        self.cap = cap
        rng = SplitMix64(seed: seed)
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failures (≥ 1).
    public mutating func delay(afterFailures attempt: Int, retryAfter: Double? = nil) -> Double {
        let ceiling = min(cap, base * Double(1 << min(max(attempt - 1, 0), 30)))
        let jittered = ceiling * rng.nextUnit()
        return max(jittered, retryAfter ?? 0)
    }
}
