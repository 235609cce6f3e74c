public import Checkpoint
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
    ///
    /// Only chunks after `after`, and with a `lane` only chunks of that lane (`ChunkLane`'s rule, as
    /// `nextOpenChunk`): a host walks each lane with a cursor of its own (`StateStore.takeNextChunk`).
    public func leaseNextChunk(
        jobID: Int64, after: Int = -1, lane: ChunkLane? = nil, holder: String, leaseSeconds: Double, now: Double
    ) async throws -> LeasedChunk? {
        let batches = lane.map { $0 == .batches }
        return try await serially { connection in
            let rows = try await connection.query(
                """
                WITH picked AS (
                    SELECT job_id, seq, lease_holder AS previous FROM chunk
                    WHERE job_id = \(jobID) AND seq > \(after)
                        AND (\(batches)::boolean IS NULL OR (kind = 'batch' AND size > 1) = \(batches)::boolean)
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
    ///
    /// With `notBefore` (a send window's opening), a `pending` chunk is not leased again before then: its
    /// `not_before` becomes the later of its own and `notBefore`, in the same statement, so no host sees
    /// it free and not yet deferred. An `inflight` chunk keeps its own: its look-up is not the window's to
    /// delay.
    @discardableResult
    public func releaseLease(jobID: Int64, seq: Int, holder: String, notBefore: Double? = nil) async throws -> Bool {
        try await serially { connection in
            let rows = try await connection.query(
                """
                UPDATE chunk SET lease_holder = NULL, lease_expires_at = NULL,
                    not_before = CASE WHEN state = 'pending' AND \(notBefore)::double precision IS NOT NULL
                        THEN greatest(not_before, \(notBefore)::double precision) ELSE not_before END
                WHERE job_id = \(jobID) AND seq = \(seq) AND lease_holder = \(holder)
                RETURNING seq
                """, logger: logger)
            return try await rows.collectFirst() != nil
        }
    }

    /// Keeps a chunk that `holder` set aside (it waits for its send window, or for its answer to be
    /// recorded), or takes it again when no other host holds a live lease on it: one statement, so two
    /// hosts holding at once cannot both win (the second re-reads the row after the first's update and no
    /// longer matches). The lease runs to `max(until, now) + leaseSeconds`, or later if `holder`'s own
    /// lease already did: a hold never shortens it (`markInFlight`'s hold must not cut a longer one short).
    /// Only a `pending` or `inflight` chunk; nil otherwise, or when another host's lease is live
    /// (`StateStore.holdChunk`).
    ///
    /// Unlike `leaseNextChunk`, it ignores `not_before`: the holder keeps the chunk through its wait.
    public func holdChunk(
        jobID: Int64, seq: Int, holder: String, until: Double, leaseSeconds: Double, now: Double
    ) async throws -> LeasedChunk? {
        try await serially { connection in
            let rows = try await connection.query(
                """
                UPDATE chunk SET lease_holder = \(holder),
                    lease_expires_at = greatest(greatest(\(until), \(now)) + \(leaseSeconds),
                        CASE WHEN lease_holder = \(holder) THEN lease_expires_at END)
                WHERE job_id = \(jobID) AND seq = \(seq) AND state IN ('pending', 'inflight')
                    AND (lease_holder IS NULL OR lease_holder = \(holder) OR lease_expires_at IS NULL OR lease_expires_at <= \(now))
                RETURNING \(unescaped: Self.chunkColumns)
                """, logger: logger)
            for try await row in rows { return try Self.leasedChunk(from: row, previousHolder: nil) }
            return nil
        }
    }

    /// When an open chunk (pending or in flight) that `holder` does not hold a live lease on may next be
    /// taken by it: over those chunks, the earliest of (the end of another host's live lease, else now;
    /// later still if its `not_before` is later). Nil when every open chunk is `holder`'s own, or none is
    /// open (`StateStore.openElsewhereUntil`): what a sender with nothing to take waits for before it
    /// asks again, instead of ending while other hosts still work on the job.
    public func openElsewhereUntil(jobID: Int64, holder: String, now: Double) async throws -> Double? {
        try await serially { connection in
            try await connection.query(
                """
                SELECT min(greatest(
                    CASE WHEN lease_expires_at > \(now) THEN lease_expires_at ELSE \(now) END,
                    coalesce(not_before, \(now))))
                FROM chunk
                WHERE job_id = \(jobID) AND state IN ('pending', 'inflight')
                    AND (lease_holder IS DISTINCT FROM \(holder) OR lease_expires_at IS NULL OR lease_expires_at <= \(now))
                """, logger: logger
            ).decode(Double?.self).collectFirst() ?? nil
        }
    }
}
