public import Checkpoint

/// What several hosts sharing one job need (`StateStore`'s last group): chunk leases held by `holder`
/// for `leaseSeconds`, the ingest lock, and (to come) the key's shared budget.
extension PostgresStateStore {
    /// Leases the next chunk after `seq` in `lane` that needs work and no other host holds
    /// (`leaseNextChunk`). An `inflight` chunk that comes back is one whose holder's lease ran out: in doubt.
    public func takeNextChunk(jobID: Int64, after seq: Int, lane: ChunkLane?) throws -> Chunk? {
        let holder = self.holder, leaseSeconds = self.leaseSeconds
        return try run { database, now in
            try await database.leaseNextChunk(jobID: jobID, after: seq, lane: lane, holder: holder, leaseSeconds: leaseSeconds, now: now)?
                .chunk
        }
    }

    /// Renews this host's lease, or takes the chunk again when nobody holds a live lease on it, to
    /// `max(until, now) + leaseSeconds` (`PostgresStateDatabase.holdChunk`); nil when another host holds it
    /// or it is no longer open.
    public func holdChunk(jobID: Int64, seq: Int, until: Double) throws -> Chunk? {
        let holder = self.holder, leaseSeconds = self.leaseSeconds
        return try run { database, now in
            try await database.holdChunk(jobID: jobID, seq: seq, holder: holder, until: until, leaseSeconds: leaseSeconds, now: now)?.chunk
        }
    }

    /// Gives the chunk back (`PostgresStateDatabase.releaseLease`); with `notBefore`, a pending chunk's
    /// `not_before` is moved to it, which `leaseNextChunk` honours for every host.
    public func releaseChunk(jobID: Int64, seq: Int, notBefore: Double?) throws {
        let holder = self.holder
        _ = try run { database, _ in try await database.releaseLease(jobID: jobID, seq: seq, holder: holder, notBefore: notBefore) }
    }

    public func openElsewhereUntil(jobID: Int64) throws -> Double? {
        let holder = self.holder
        return try run { database, now in try await database.openElsewhereUntil(jobID: jobID, holder: holder, now: now) }
    }

    /// Every lease recorded on the job's chunks, live or expired (an expired one tells `status` which host
    /// stopped), by chunk.
    public func leases(jobID: Int64) throws -> [ChunkLease] {
        try run { database, _ in
            try await database.leases(jobID: jobID).compactMap { leased in
                guard let holder = leased.holder else { return nil }
                return ChunkLease(seq: leased.chunk.seq, state: leased.chunk.state, holder: holder, expiresAt: leased.expiresAt ?? 0)
            }
        }
    }

    /// The job's session advisory lock on this store's connection (freed when it closes).
    public var isShared: Bool { true }

    /// One sending run of a job per host: a session advisory lock keyed by the host's name (the holder's
    /// first part) and the job, freed when the run's connection ends. Without it a crontab's every-minute
    /// line would start a run per minute per host while the first still waits for other hosts' chunks, each
    /// with its own connection, until the server's connection limit refused them all.
    public func tryHostRunLock(jobName: String) throws -> Bool {
        let host = holder.split(separator: ":", maxSplits: 1).first.map(String.init) ?? holder
        return try run { database, _ in try await database.tryRunLock(jobName: jobName, host: host) }
    }

    public func tryIngestLock(jobName: String) throws -> Bool {
        try run { database, _ in try await database.tryIngestLock(jobName: jobName) } == .acquired
    }

    public func releaseIngestLock(jobName: String) throws {
        try run { database, _ in try await database.releaseIngestLock(jobName: jobName) }
    }

    /// The key's budget kept in this database (`PostgresKeyLedger`): every host's requests on the key count in
    /// one sliding window, so hosts together stay within the key's limits. The key itself is never stored,
    /// only its hash (`PostgresKeyLedger.keyID(forKey:)`).
    public func keyLedger(apiKey: String) throws -> (any KeySlotLedger)? {
        PostgresKeyLedger(database: database, executor: executor, keyID: PostgresKeyLedger.keyID(forKey: apiKey), location: location)
    }
}
