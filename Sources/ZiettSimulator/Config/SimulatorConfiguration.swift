/// How the simulator behaves: keys, limits, faults and the documentation ambiguities it can take either way.
public struct SimulatorConfiguration: Sendable {
    /// Accepted API keys; nil accepts any key that starts with `zk_test_`.
    public var apiKeys: Set<String>?
    /// When true, `Idempotency-Key` is ignored entirely (the worst case the docs leave open for batches).
    public var ignoreIdempotencyKeys = false
    /// How long a stored idempotent response is replayed.
    public var idempotencyWindow: Double = 24 * 3600
    /// Per-endpoint rate limits; nil disables limiting for that endpoint.
    public var batchLimit: SimulatedRateLimit? = .init(count: 10, window: 60)
    /// `POST /messages` limit.
    public var singleLimit: SimulatedRateLimit? = .init(count: 120, window: 60)
    /// `GET /*` limit.
    public var readLimit: SimulatedRateLimit? = .init(count: 300, window: 60)
    /// Send `X-RateLimit-*` headers (the docs say they are still being rolled out).
    public var rateLimitHeaders = true
    /// Fewest recipients a batch may have (the new docs say 2).
    public var minimumBatchRecipients = 2
    /// The 202 body of a batch: `{message, campaign_id}` (new docs) or `null` (old docs).
    public var batchAcceptedBodyIsNull = false
    /// Balance in recipients; nil for unlimited. Each accepted recipient costs one.
    public var balance: Int?
    /// Faults, per endpoint.
    public var faults = FaultConfiguration()
    /// Numbers the API refuses inside a batch with 422 `recipients[i]` (to rehearse a split).
    public var rejectedRecipients: Set<String> = []
    /// Seed of every random choice (faults, ids), printed so a run can be replayed.
    public var seed: UInt64 = 1
    /// Seconds added to the real clock (tests move time forward, e.g. past the idempotency window).
    public var clockOffset: Double = 0

    /// Defaults: documented limits, no faults, any `zk_test_` key.
    public init() {}

    /// No rate limits at all (for fast tests and benchmarks).
    public static var unlimited: SimulatorConfiguration {
        var c = SimulatorConfiguration()
        c.batchLimit = nil
        c.singleLimit = nil
        c.readLimit = nil
        return c
    }
}

/// `count` requests per `window` seconds, per API key and endpoint, sliding.
public struct SimulatedRateLimit: Sendable, Equatable {
    /// Requests per window.
    public var count: Int
    /// Window length in seconds.
    public var window: Double
    /// Creates a limit.
    public init(count: Int, window: Double) {
        self.count = count
        self.window = window
    }
}

/// Injected failures, each a probability per request.
public struct FaultConfiguration: Sendable, Equatable {
    /// Share of POSTs answered 500/502/503 before doing anything.
    public var serverErrorRate: Double = 0
    /// Share of POSTs answered 429 although under the limit (bursts from "other clients").
    public var spuriousRateLimitRate: Double = 0
    /// Share of POSTs whose work is done and stored, then the connection is dropped without an answer.
    public var lostReplyRate: Double = 0
    /// Share of GETs answered 503.
    public var readErrorRate: Double = 0
    /// Added latency per request, in seconds (uniform in 0…latency).
    public var latency: Double = 0

    /// No faults.
    public init() {}

    /// True when any fault is enabled.
    public var isEnabled: Bool {
        serverErrorRate > 0 || spuriousRateLimitRate > 0 || lostReplyRate > 0 || readErrorRate > 0 || latency > 0
    }
}
