import PostgresNIO

extension PostgresStateDatabase {
    /// Commits the intent to send, before the request leaves, as `StateStore.markInFlight` does: state
    /// `inflight`, the exact body, its key, one more attempt, `in_doubt = 1`, and an `attempt` row. Returns
    /// the attempt's id.
    ///
    /// Compare-and-set on two things, in one statement: the chunk is `pending`, and `holder` holds a live
    /// lease on it at `now`. Otherwise nothing changes and it throws `leaseLost` or
    /// `chunkChangedUnderneath`: the request must not leave (another host may be sending it). The lease
    /// stays, so the holder can record the answer; once it expires another host takes the chunk over as
    /// "look up first" (`leaseNextChunk`).
    @discardableResult
    public func markInFlight(
        jobID: Int64, seq: Int, holder: String, name: String, body: [UInt8], idempotencyKey: String, endpoint: String, at now: Double
    ) async throws -> Int64 {
        try await serially { connection in
            let rows = try await connection.query(
                """
                WITH moved AS (
                    UPDATE chunk SET state = 'inflight', name = \(name), body = \(ByteBuffer(bytes: body)),
                        idempotency_key = \(idempotencyKey), attempts = attempts + 1, last_attempt_at = \(now),
                        not_before = NULL, in_doubt = 1, updated_at = \(now)
                    WHERE job_id = \(jobID) AND seq = \(seq) AND state = 'pending'
                        AND lease_holder = \(holder) AND lease_expires_at > \(now)
                    RETURNING job_id, seq)
                INSERT INTO attempt (job_id, chunk_seq, endpoint, started_at)
                SELECT job_id, seq, \(endpoint), \(now) FROM moved
                RETURNING id
                """, logger: logger)
            if let id = try await rows.decode(Int64.self).collectFirst() { return id }
            // Refused: say why, from what is there now.
            let found = try await connection.query(
                "SELECT state, lease_holder, lease_expires_at FROM chunk WHERE job_id = \(jobID) AND seq = \(seq)", logger: logger
            ).decode((String, String?, Double?).self).collectFirst()
            guard let (state, leaseHolder, expiresAt) = found else { throw PostgresStateError(.noSuchChunk(jobID: jobID, seq: seq)) }
            if leaseHolder != holder || (expiresAt ?? -.infinity) <= now {
                throw PostgresStateError(.leaseLost(jobID: jobID, seq: seq, holder: holder))
            }
            throw PostgresStateError(.chunkChangedUnderneath(jobID: jobID, seq: seq, found: state))
        }
    }
}
