// Public initialisers for result types declared beside the SQLite queries that fill them, so that another
// backend (PostgresCheckpoint) can return the same values. Their synthesized memberwise initialisers are
// internal and cannot be redeclared from another file, hence the labels below.

extension JobCounts {
    /// Creates counts; the open chunks are the pending and in-flight ones of `chunks`, as
    /// `StateStore.counts(jobID:)` and `plannedCounts(rows:requests:)` compute them.
    public init(rows: Int, recipients: [String: Int], chunks: [String: Int], openRequests: RequestCount) {
        self.init(
            rows: rows, recipients: recipients, chunks: chunks,
            openChunks: (chunks[ChunkState.pending.rawValue] ?? 0) + (chunks[ChunkState.inflight.rawValue] ?? 0),
            openRequests: openRequests)
    }
}

extension StateStore.Requeue {
    /// Creates the result of a re-queue: `requeued` rows made pending again, `heldBack` left in doubt.
    public init(requeuing requeued: Int, holdingBack heldBack: Int) {
        self.init(requeued: requeued, heldBack: heldBack)
    }
}
