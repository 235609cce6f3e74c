public import ZiettAPI

/// How the job loop paces and retries.
public struct DispatchOptions: Sendable {
    /// Overrides the send endpoint's documented limit (`--max-rate`).
    public var maxRate: RateLimit?
    /// The look-up budget (`GET`s used for reconciliation).
    public var readRate: RateLimit = .read
    /// Attempts per chunk within one run before the run stops and leaves it to the next cron tick.
    public var maxAttemptsPerRun: Int = 6
    /// Rejected requests after which the run stops (`--max-errors`); nil for no limit.
    public var maxErrors: Int?
    /// Backoff: first ceiling (s).
    public var backoffBase: Double = 1
    /// Backoff: largest ceiling (s).
    public var backoffCap: Double = 60
    /// The longest wait the run sits through (pacing, backoff) before it stops and leaves the rest to
    /// the next cron tick.
    public var maxWait: Double = 15 * 60
    /// Seconds an interrupted run still waits for an in-flight request's answer before it leaves the
    /// chunk in doubt for the next run to look up.
    public var stopGrace: Double = 3
    /// Jitter seed (printed, so a run can be replayed).
    public var seed: UInt64

    /// Creates options.
    public init(seed: UInt64) { self.seed = seed }
}
