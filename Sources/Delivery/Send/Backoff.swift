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

/// A small, fast, seedable generator (SplitMix64) for jitter and tests.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// Creates a generator.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform double in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
