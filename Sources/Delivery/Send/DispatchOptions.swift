public import ZiettAPI

/// How the job loop paces and retries.
public struct DispatchOptions: Sendable {
    /// Overrides the job's send endpoint's documented limit, and scales the other's (`--max-rate`, `SendLimits`).
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
    /// The request timeout the client uses (seconds): an in-doubt request may still be worked on by
    /// the API until then, and after.
    public var requestTimeout: Double = 30
    /// Seconds after the request timeout before the absence of an in-doubt request at the API is
    /// believed (`--settle`): covers work the API finishes after the client gave up and lists that show
    /// writes late. A look-up of an in-doubt chunk is made no earlier than its last attempt's start +
    /// `requestTimeout` + `settleMargin`.
    public var settleMargin: Double = 30
    /// How far the API's clock may be behind ours (seconds): a single message is looked for from the
    /// job's creation less this margin, so our own message is not called absent when the API stamps it
    /// earlier than our clock says.
    public var clockSkewMargin: Double = 300
    /// `requestTimeout + settleMargin`.
    public var settleAfter: Double { requestTimeout + settleMargin }
    /// Seconds an interrupted run still waits for an in-flight request's answer before it leaves the
    /// chunk in doubt for the next run to look up.
    public var stopGrace: Double = 3
    /// How far back a new job looks for its campaign sent by another job (`--resend-window`, seconds);
    /// nil turns the check off.
    public var resendWindow: Double? = 7 * 86_400
    /// Send although the check found the campaign sent by another job (`--allow-resend`).
    public var allowResend = false
    /// How long a host holds a chunk of a state several hosts share (`--lease`, seconds); nil for
    /// `defaultLease`. A host that dies leaves its chunks to the others once their leases end.
    public var leaseSeconds: Double?
    /// The lease used: `leaseSeconds`, else twice the request timeout plus a minute. It must outlast the
    /// time between taking a chunk and recording its answer (a pacing wait, then at most the request
    /// timeout), or the answer finds the chunk taken over and is left for the next host's look-up.
    public var lease: Double { leaseSeconds ?? (2 * requestTimeout + 60) }
    /// Jitter seed (printed, so a run can be replayed).
    public var seed: UInt64

    /// Creates options.
    public init(seed: UInt64) { self.seed = seed }
}
