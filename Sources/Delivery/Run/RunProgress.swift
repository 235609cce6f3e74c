public import ZiettAPI

/// Where a running job stands, for the live progress line and the periodic log lines.
///
/// Built from counters the job loop keeps in memory plus the counts read once at the start of the
/// send, so reporting progress costs no query.
public struct RunProgress: Sendable, Equatable {
    /// Recipients the API has accepted, over all runs.
    public var accepted: Int
    /// Recipients to send in all (accepted + still pending at the start of this run).
    public var total: Int
    /// Recipients accepted in this run.
    public var acceptedThisRun: Int
    /// Requests sent in this run.
    public var requestsThisRun: Int
    /// Failed attempts in this run that will be (or were) retried.
    public var retriesThisRun: Int
    /// Chunks finished in this run.
    public var chunksDone: Int
    /// Chunks open at the start of this run.
    public var chunksOpen: Int
    /// The send rate the run paces itself to.
    public var rate: RateLimit?

    /// Creates a progress value.
    public init(
        accepted: Int, total: Int, acceptedThisRun: Int, requestsThisRun: Int, retriesThisRun: Int, chunksDone: Int, chunksOpen: Int,
        rate: RateLimit? = nil
    ) {
        self.accepted = accepted
        self.total = total
        self.acceptedThisRun = acceptedThisRun
        self.requestsThisRun = requestsThisRun
        self.retriesThisRun = retriesThisRun
        self.chunksDone = chunksDone
        self.chunksOpen = chunksOpen
        self.rate = rate
    }

    /// Seconds the remaining requests need at `rate` at least, spaced evenly as the key's budget sends
    /// them (the plan's and `status`'s rule): the run's first request goes at once, every further one a
    /// `rate.interval` later.
    public var pacedSecondsLeft: Double? {
        guard let rate else { return nil }
        let remaining = max(0, chunksOpen - chunksDone)
        return Double(max(0, remaining - (requestsThisRun == 0 ? 1 : 0))) * rate.interval
    }
}

/// The job loop's in-memory counters after a chunk outcome.
public struct DispatchProgress: Sendable, Equatable {
    /// Recipients accepted in this run.
    public var acceptedThisRun: Int
    /// Requests sent in this run.
    public var requestsThisRun: Int
    /// Failed attempts (retried or left for the next run) in this run.
    public var retriesThisRun: Int
    /// Chunks that reached a final state in this run.
    public var chunksDone: Int
}
