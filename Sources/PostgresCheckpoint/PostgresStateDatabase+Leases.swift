import PostgresNIO

extension PostgresStateDatabase {
    /// Leases the job's next chunk that needs work to `holder` until `now + leaseSeconds`, or returns nil
    /// when every such chunk is leased to someone else, waiting (`not_before` later than `now`), or done.
    ///
    /// Takes, in chunk order, a `pending` chunk that is due and not under a live lease, or an `inflight`
    /// chunk whose lease expired (its host died or stalled after committing the intent): that one comes back
    /// with `needsLookUp`, to be looked up before any resend. One statement; `FOR UPDATE SKIP LOCKED` lets
    /// hosts leasing at the same time pass each other's candidate instead of waiting or taking it twice.
    /// So nil can also mean that the last candidates are being leased by others at this moment: a host
    /// that gets nil while the job is open asks again later.
    public func leaseNextChunk(jobID: Int64, holder: String, leaseSeconds: Double, now: Double) async throws -> LeasedChunk? {
        try await serially { connection in
            let rows = try await connection.query(
                """
                WITH picked AS (
                    SELECT job_id, seq, lease_holder AS previous FROM chunk
                    WHERE job_id = \(jobID)
                        AND (lease_expires_at IS NULL OR lease_expires_at <= \(now))
                        AND ((state = 'pending' AND (not_before IS NULL OR not_before <= \(now))) OR state = 'inflight')
                    ORDER BY seq LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                UPDATE chunk SET lease_holder = \(holder), lease_expires_at = \(now + leaseSeconds)
                FROM picked WHERE chunk.job_id = picked.job_id AND chunk.seq = picked.seq
                RETURNING \(unescaped: Self.qualifiedChunkColumns), picked.previous
                """, logger: logger)
            for try await row in rows {
                let previous = try row.makeRandomAccess()[Self.chunkColumnNames.count].decode(String?.self)
                return try Self.leasedChunk(from: row, previousHolder: previous)
            }
            return nil
        }
    }

    /// Extends `holder`'s live lease on a chunk to `now + leaseSeconds`. False when the lease is lost
    /// (expired, released, or taken over): the holder must stop working on the chunk.
    public func renewLease(jobID: Int64, seq: Int, holder: String, leaseSeconds: Double, now: Double) async throws -> Bool {
        try await serially { connection in
            let rows = try await connection.query(
                """
                UPDATE chunk SET lease_expires_at = \(now + leaseSeconds)
                WHERE job_id = \(jobID) AND seq = \(seq) AND lease_holder = \(holder) AND lease_expires_at > \(now)
                RETURNING seq
                """, logger: logger)
            return try await rows.collectFirst() != nil
        }
    }

    /// Gives a chunk back (the holder stops, or leaves an in-doubt chunk to another host). False when `holder`
    /// no longer held it: the outcomes that take a chunk out of `inflight` clear its lease themselves.
    @discardableResult
    public func releaseLease(jobID: Int64, seq: Int, holder: String) async throws -> Bool {
        try await serially { connection in
            let rows = try await connection.query(
                """
                UPDATE chunk SET lease_holder = NULL, lease_expires_at = NULL
                WHERE job_id = \(jobID) AND seq = \(seq) AND lease_holder = \(holder)
                RETURNING seq
                """, logger: logger)
            return try await rows.collectFirst() != nil
        }
    }
}
