extension SQLiteStateStore: StateStore {
    /// The file.
    public var location: String { path }

    /// Nothing to do: the file and its lock are closed when the store is released.
    public func close() {}

    public func ingestWriter(jobID: Int64, kind: ChunkKind, chunkSize: Int, groupsTexts: Bool) throws -> any IngestSink {
        try IngestWriter(store: self, jobID: jobID, kind: kind, chunkSize: chunkSize, groupsTexts: groupsTexts)
    }

    // Several hosts, one job: a state file has one sender (its lock), so every open chunk is this
    // process's, nothing is held elsewhere, and the key's budget is the ledger file beside the state.

    public var isShared: Bool { false }

    /// Always true: the file's lock (taken when the store opened for sending) already allows one run.
    public func tryHostRunLock(jobName: String) throws -> Bool { true }

    public func takeNextChunk(jobID: Int64, after seq: Int, lane: ChunkLane?) throws -> Chunk? {
        try nextOpenChunk(jobID: jobID, after: seq, lane: lane)
    }

    public func holdChunk(jobID: Int64, seq: Int, until: Double) throws -> Chunk? {
        try chunk(jobID: jobID, seq: seq)
    }

    public func releaseChunk(jobID: Int64, seq: Int, notBefore: Double?) throws {}

    public func openElsewhereUntil(jobID: Int64) throws -> Double? { nil }

    public func leases(jobID: Int64) throws -> [ChunkLease] { [] }

    public func tryIngestLock(jobName: String) throws -> Bool { true }

    public func releaseIngestLock(jobName: String) throws {}

    public func keyLedger(apiKey: String) throws -> (any KeySlotLedger)? { nil }
}
