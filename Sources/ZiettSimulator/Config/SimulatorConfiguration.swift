public import ZiettAPI

/// How the simulator behaves: keys, limits, faults, the lifecycle clock and the documentation ambiguities
/// it can take either way.
///
/// Every field can be changed while the simulator runs (`ZiettSimulatorServer.reconfigure`).
public struct SimulatorConfiguration: Sendable {
    /// Accepted API keys, each with every scope; nil accepts any key that starts with `zk_test_`.
    public var apiKeys: Set<String>?
    /// Keys with restricted scopes (`"messages:send"` or `"apikey:messages:send"`); listed keys are valid too.
    public var apiKeyScopes: [String: Set<String>] = [:]
    /// When true, `Idempotency-Key` is ignored entirely (the worst case the docs leave open for batches).
    public var ignoreIdempotencyKeys = false
    /// How long a stored idempotent response is replayed, in seconds.
    public var idempotencyWindow: Double = 24 * 3600
    /// `POST /campaigns/batch` limit; nil disables limiting for that endpoint.
    public var batchLimit: SimulatedRateLimit? = .init(count: 10, window: 60)
    /// `POST /messages` limit (new docs: 120/min; old docs: 15/s).
    public var singleLimit: SimulatedRateLimit? = .init(count: 120, window: 60)
    /// The shared `GET /*` limit.
    public var readLimit: SimulatedRateLimit? = .init(count: 300, window: 60)
    /// A separate limit for `GET /messages` (the List Messages page says 60/min); nil: it shares `readLimit`.
    public var listMessagesLimit: SimulatedRateLimit?
    /// Send `X-RateLimit-*` headers (the docs say they are still being rolled out).
    public var rateLimitHeaders = true
    /// Fewest recipients a batch may have (the new docs say 2).
    public var minimumBatchRecipients = 2
    /// The 202 body of a batch: `{message, campaign_id}` (new docs) or `null` (old docs).
    public var batchAcceptedBodyIsNull = false
    /// Balance in recipients; nil for unlimited. Each accepted recipient costs one; refunds give it back.
    public var balance: Int?
    /// Balance in money (the account's currency); nil for unlimited. Each recipient costs `pricePerMessage`.
    public var moneyBalance: Double?
    /// The price of one message, shown as `cost` (`"15.000000"`).
    public var pricePerMessage: Double = 15
    /// Faults for every endpoint without its own entry in `faultsByEndpoint`.
    public var faults = FaultConfiguration()
    /// Numbers the API refuses inside a batch with 422 `recipients[i]` (to rehearse a split).
    public var rejectedRecipients: Set<String> = []
    /// Faults for one endpoint; replaces `faults` there, and every rate applies whatever the method.
    public var faultsByEndpoint: [ZiettEndpoint: FaultConfiguration] = [:]
    /// How long campaigns and messages take to move through their states.
    public var lifecycle = LifecycleTiming()
    /// Which share of messages fails, and with which codes.
    public var outcomes = DeliveryOutcomes()
    /// The behaviours the public docs leave open.
    public var fidelity = FidelityOptions()
    /// Seed of every random choice (faults, outcomes, ids), printed so a run can be replayed.
    public var seed: UInt64 = 1
    /// Seconds added to the real clock (tests move time forward, e.g. past the idempotency window).
    public var clockOffset: Double = 0
    /// When set, the simulator's clock stands still at this time (Unix seconds) and moves only by
    /// `clockOffset`: a test that steps a campaign along second by second must not see a loaded machine's
    /// seconds move it as well (three such tests failed in a clean-clone CI run beside two builds).
    public var frozenClock: Double?
    /// A SQLite file that receives every accepted campaign, message and request as it happens; nil: memory only.
    public var ledgerPath: String?

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

    /// The limit that applies to `endpoint`.
    func rateLimit(for endpoint: ZiettEndpoint) -> SimulatedRateLimit? {
        switch endpoint {
        case .sendBatch: batchLimit
        case .sendMessage: singleLimit
        case .listMessages: listMessagesLimit ?? readLimit
        default: readLimit
        }
    }

    /// The faults that apply to `endpoint`.
    func faults(for endpoint: ZiettEndpoint) -> (faults: FaultConfiguration, own: Bool) {
        if let own = faultsByEndpoint[endpoint] { return (own, true) }
        return (faults, false)
    }
}
