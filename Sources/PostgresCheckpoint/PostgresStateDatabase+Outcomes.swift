public import Checkpoint
import PostgresNIO

/// The outcome recordings of `StateStore+Chunks.swift`, each one transaction with the same chunk,
/// recipient and attempt row changes, plus the lease rule of several hosts.
///
/// Why the lease: with one SQLite file, one process sends and records. Here a host whose lease expired
/// (it stalled past `leaseSeconds`: a GC pause, a stopped VM, a slow answer) may come back with an answer
/// while another host has taken the chunk over, looked it up and recorded the truth, or is sending it
/// again under the same key. Recording the stale answer over that would undo a look-up or mark a chunk
/// done that another host is about to record. So an outcome for an `inflight` chunk is recorded only
/// while `holder` holds its live lease at `now` (else `leaseLost`, and nothing changes), like
/// `markInFlight`; for a chunk that is not in flight, only while no *other* host holds a live lease on it
/// (else `leasedByAnother`). The chunk row is locked (`FOR UPDATE`) for the check and the writes, so no
/// lease changes between them.
///
/// Why the lease is cleared when the chunk leaves `inflight` (accepted, rejected, split, back to pending):
/// its outcome is recorded, the holder has nothing left to do with it, and a pending chunk must be free
/// for whichever host leases next (at its `not_before`) rather than wait for the old lease to run out.
/// An in-doubt chunk stays `inflight` and keeps the lease: its holder may look it up itself; if it dies,
/// the lease expires and another host takes it over as "look up first".
extension PostgresStateDatabase {
    /// Records acceptance: the chunk and its pending recipients are done (`StateStore.markAccepted`).
    public func markAccepted(
        jobID: Int64, seq: Int, holder: String, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?,
        attemptID: Int64?, outcome: String = "accepted", now: Double
    ) async throws {
        try await transaction { connection in
            try await checkLease(jobID: jobID, seq: seq, holder: holder, now: now, on: connection)
            try await recordAccepted(
                jobID: jobID, seq: seq, campaignID: campaignID, messageID: messageID, httpStatus: httpStatus, traceID: traceID,
                attemptID: attemptID, outcome: outcome, now: now, on: connection)
        }
    }

    /// Records a final refusal: the chunk and its pending recipients are rejected with the API's reason
    /// (`StateStore.markRejected`).
    public func markRejected(jobID: Int64, seq: Int, holder: String, error: RecordedError, attemptID: Int64?, now: Double) async throws {
        try await transaction { connection in
            try await checkLease(jobID: jobID, seq: seq, holder: holder, now: now, on: connection)
            try await recordError(jobID: jobID, seq: seq, state: .rejected, inDoubt: false, notBefore: nil, error: error, now: now, on: connection)
            try await connection.query(
                """
                UPDATE recipient SET status = 'rejected', reason = \(error.summary), trace_id = \(error.traceID), updated_at = \(now)
                WHERE job_id = \(jobID) AND chunk = \(seq) AND status = 'pending'
                """, logger: logger)
            try await finishAttempt(
                attemptID, outcome: "rejected", httpStatus: error.httpStatus, code: error.code, traceID: error.traceID, now: now, on: connection)
            // Recorded only when no earlier attempt may have arrived or a look-up proved them absent.
            try await settleDoubts(
                jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then proven absent before the refusal", on: connection)
        }
    }

    /// Records an answer that proves the request was not processed (401/403/402/429, or a look-up that
    /// found nothing): back to `pending`, not before `notBefore` (`StateStore.markNotProcessed`).
    public func markNotProcessed(
        jobID: Int64, seq: Int, holder: String, notBefore: Double?, error: RecordedError?, attemptID: Int64?, now: Double
    ) async throws {
        try await transaction { connection in
            try await checkLease(jobID: jobID, seq: seq, holder: holder, now: now, on: connection)
            try await recordNotProcessed(jobID: jobID, seq: seq, notBefore: notBefore, error: error, attemptID: attemptID, now: now, on: connection)
        }
    }

    /// Records an outcome that leaves the request's fate unknown (timeout, 5xx, lost reply): the chunk
    /// stays `inflight`, to be looked up before any resend, and keeps `holder`'s lease (`StateStore.markInDoubt`).
    public func markInDoubt(
        jobID: Int64, seq: Int, holder: String, notBefore: Double?, error: RecordedError, attemptID: Int64?, now: Double
    ) async throws {
        try await transaction { connection in
            try await checkLease(jobID: jobID, seq: seq, holder: holder, now: now, on: connection)
            try await recordError(
                jobID: jobID, seq: seq, state: .inflight, inDoubt: true, notBefore: notBefore, error: error, now: now, on: connection)
            try await finishAttempt(
                attemptID, outcome: "in_doubt", httpStatus: error.httpStatus, code: error.code, traceID: error.traceID, now: now, on: connection)
        }
    }

    /// Replaces a chunk by a new one without `rejectedRows`, which are marked rejected with their reasons
    /// (`StateStore.split`). The new chunk has the next number, so a new name and a new Idempotency-Key.
    /// Returns its number, or nil when no recipient is left.
    ///
    /// Locks the job row before the chunk, as `cutChunks` does, since both number new chunks after the last.
    @discardableResult
    public func split(
        jobID: Int64, seq: Int, holder: String, rejectedRows: [Int: String], error: RecordedError, attemptID: Int64?, now: Double
    ) async throws -> Int? {
        try await transaction { connection in
            try await connection.query("SELECT id FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger)
            try await checkLease(jobID: jobID, seq: seq, holder: holder, now: now, on: connection)
            let named = Array(rejectedRows)
            let rows = named.map { Int64($0.key) }
            let reasons = named.map(\.value)
            try await connection.query(
                """
                UPDATE recipient SET status = 'rejected', reason = named.reason, trace_id = \(error.traceID), updated_at = \(now)
                FROM unnest(\(rows)::bigint[], \(reasons)::text[]) AS named(row, reason)
                WHERE recipient.job_id = \(jobID) AND recipient.row = named.row AND recipient.chunk = \(seq)
                """, logger: logger)
            try await recordError(jobID: jobID, seq: seq, state: .split, inDoubt: false, notBefore: nil, error: error, now: now, on: connection)
            try await finishAttempt(
                attemptID, outcome: "split", httpStatus: error.httpStatus, code: error.code, traceID: error.traceID, now: now, on: connection)
            try await settleDoubts(
                jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then proven absent before the refusal", on: connection)
            let remaining = try await connection.query(
                "SELECT count(*) FROM recipient WHERE job_id = \(jobID) AND chunk = \(seq) AND status = 'pending'", logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            guard remaining > 0 else { return nil }
            guard let next = try await connection.query(
                """
                INSERT INTO chunk (job_id, seq, kind, state, size, parent_seq, window_group, updated_at)
                SELECT job_id, (SELECT max(seq) + 1 FROM chunk WHERE job_id = \(jobID)), kind, 'pending', \(remaining), seq,
                    window_group, \(now)
                FROM chunk WHERE job_id = \(jobID) AND seq = \(seq)
                RETURNING seq
                """, logger: logger
            ).decode(Int.self).collectFirst()
            else { throw PostgresStateError(.noSuchChunk(jobID: jobID, seq: seq)) }
            try await connection.query(
                "UPDATE recipient SET chunk = \(next) WHERE job_id = \(jobID) AND chunk = \(seq) AND status = 'pending'", logger: logger)
            return next
        }
    }

    /// Re-queues rejected recipients (`StateStore.requeueRejected`): pending again without a chunk, cut into
    /// new chunks when the job next sends, and `cut_row` moved back before the first of them. Sent rows are
    /// never touched, nor rows whose chunk still has an unresolved in-doubt attempt, nor rows refused after
    /// an attempt that ended in doubt and was never settled: re-queueing those could send twice.
    ///
    /// Takes no lease: it moves only rows of chunks that are not in flight, and no chunk. It locks the job
    /// row, since it moves `cut_row`, which `cutChunks` reads and moves too.
    public func requeueRejected(jobID: Int64, now: Double) async throws -> RequeueSummary {
        try await transaction { connection in
            try await connection.query("SELECT id FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger)
            let heldBack = try await connection.query(
                """
                SELECT count(*) FROM recipient
                WHERE job_id = \(jobID) AND status = 'rejected' AND e164 IS NOT NULL AND \(unescaped: Self.undecided)
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            let first = try await connection.query(
                """
                SELECT coalesce(min(row), 0) FROM recipient
                WHERE job_id = \(jobID) AND status = 'rejected' AND e164 IS NOT NULL AND NOT \(unescaped: Self.undecided)
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            let requeued = try await connection.query(
                """
                WITH moved AS (
                    UPDATE recipient SET status = 'pending', reason = NULL, chunk = NULL, updated_at = \(now)
                    WHERE job_id = \(jobID) AND status = 'rejected' AND e164 IS NOT NULL AND NOT \(unescaped: Self.undecided)
                    RETURNING 1)
                SELECT count(*) FROM moved
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            if requeued > 0 {
                try await connection.query(
                    "UPDATE job SET phase = 'planned', cut_row = least(cut_row, \(first - 1)), updated_at = \(now) WHERE id = \(jobID)",
                    logger: logger)
            }
            return RequeueSummary(requeuing: requeued, holdingBack: heldBack)
        }
    }

    /// A rejected row whose chunk is in doubt now, or was refused after an attempt that ended in doubt and
    /// was never settled (`StateStore.requeueRejected`'s condition, over `recipient`).
    static let undecided = """
        (EXISTS (SELECT 1 FROM chunk WHERE chunk.job_id = recipient.job_id AND chunk.seq = recipient.chunk
            AND (chunk.in_doubt = 1 OR chunk.state = 'inflight'))
         OR EXISTS (SELECT 1 FROM attempt WHERE attempt.job_id = recipient.job_id AND attempt.chunk_seq = recipient.chunk
            AND attempt.endpoint != 'resolve' AND (attempt.outcome = 'in_doubt' OR attempt.outcome IS NULL)))
        """

    /// Settles the in-doubt request that holds data row `row` as a person decided (`StateStore.resolveInDoubt`),
    /// with an attempt row recording the decision. Only a request whose look-up was ambiguous
    /// (`AMBIGUOUS_MATCH`) unless `force`; otherwise throws `notInDoubt`. Returns the chunk's number.
    ///
    /// A person, not a leasing host, decides here, so it needs no lease of its own; but it refuses
    /// (`leasedByAnother`) while another host holds a live lease on the chunk: that host is looking it up
    /// or about to record its answer, and the two records would contradict each other. It clears the lease.
    @discardableResult
    public func resolveInDoubt(
        jobID: Int64, row: Int, as resolution: InDoubtResolution, force: Bool = false, holder: String, now: Double
    ) async throws -> Int {
        try await transaction { connection in
            let found = try await connection.query(
                """
                SELECT c.seq, c.error_code, c.lease_holder, c.lease_expires_at
                FROM recipient r JOIN chunk c ON c.job_id = r.job_id AND c.seq = r.chunk
                WHERE r.job_id = \(jobID) AND r.row = \(row) AND c.state = 'inflight'
                FOR UPDATE OF c
                """, logger: logger
            ).decode((Int, String?, String?, Double?).self).collectFirst()
            guard let (seq, code, leaseHolder, expiresAt) = found, force || code == "AMBIGUOUS_MATCH" else {
                throw PostgresStateError(.notInDoubt(jobID: jobID, row: row))
            }
            if let leaseHolder, leaseHolder != holder, let expiresAt, expiresAt > now {
                throw PostgresStateError(.leasedByAnother(jobID: jobID, seq: seq, holder: leaseHolder))
            }
            let decision = "resolved: \(resolution.rawValue)"
            switch resolution {
            case .sent:
                try await recordAccepted(
                    jobID: jobID, seq: seq, campaignID: nil, messageID: nil, httpStatus: nil, traceID: nil, attemptID: nil,
                    outcome: "resolved: sent", now: now, on: connection)
            case .absent:
                try await recordNotProcessed(jobID: jobID, seq: seq, notBefore: nil, error: nil, attemptID: nil, now: now, on: connection)
            }
            try await connection.query(
                """
                INSERT INTO attempt (job_id, chunk_seq, endpoint, started_at, finished_at, outcome, error_code)
                VALUES (\(jobID), \(seq), 'resolve', \(now), \(now), \(decision), 'RESOLVED_BY_OPERATOR')
                """, logger: logger)
            return seq
        }
    }

    // MARK: The shared steps, inside a caller's transaction

    /// Locks the chunk row for the rest of the transaction and checks that `holder` may record its outcome
    /// (the lease rule above). Throws `noSuchChunk`, `leaseLost` or `leasedByAnother`.
    func checkLease(jobID: Int64, seq: Int, holder: String, now: Double, on connection: PostgresConnection) async throws {
        let found = try await connection.query(
            "SELECT state, lease_holder, lease_expires_at FROM chunk WHERE job_id = \(jobID) AND seq = \(seq) FOR UPDATE",
            logger: logger
        ).decode((String, String?, Double?).self).collectFirst()
        guard let (state, leaseHolder, expiresAt) = found else { throw PostgresStateError(.noSuchChunk(jobID: jobID, seq: seq)) }
        let live = (expiresAt ?? -.infinity) > now
        if state == ChunkState.inflight.rawValue {
            guard leaseHolder == holder && live else { throw PostgresStateError(.leaseLost(jobID: jobID, seq: seq, holder: holder)) }
        } else if state != ChunkState.pending.rawValue {
            // Final already: another host settled it, perhaps after this host's lease ran out under a stall
            // (a paused VM, a partition). Recording this host's late answer (a 429 putting it back to
            // pending, a split marking sent rows rejected) would send it again.
            throw PostgresStateError(.chunkChangedUnderneath(jobID: jobID, seq: seq, found: state))
        } else if let leaseHolder, leaseHolder != holder, live {
            throw PostgresStateError(.leasedByAnother(jobID: jobID, seq: seq, holder: leaseHolder))
        }
    }

    private func recordAccepted(
        jobID: Int64, seq: Int, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?,
        attemptID: Int64?, outcome: String, now: Double, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            UPDATE chunk SET state = 'accepted', campaign_id = \(campaignID), message_id = \(messageID), http_status = \(httpStatus),
                trace_id = \(traceID), in_doubt = 0, not_before = NULL, error_code = NULL, error_message = NULL,
                error_fields = NULL, updated_at = \(now), lease_holder = NULL, lease_expires_at = NULL
            WHERE job_id = \(jobID) AND seq = \(seq)
            """, logger: logger)
        try await connection.query(
            """
            UPDATE recipient SET status = 'sent', reason = NULL, campaign_id = \(campaignID), message_id = \(messageID),
                trace_id = \(traceID), updated_at = \(now)
            WHERE job_id = \(jobID) AND chunk = \(seq) AND status = 'pending'
            """, logger: logger)
        try await finishAttempt(attemptID, outcome: outcome, httpStatus: httpStatus, code: nil, traceID: traceID, now: now, on: connection)
        try await settleDoubts(jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then found: \(outcome)", on: connection)
    }

    private func recordNotProcessed(
        jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError?, attemptID: Int64?, now: Double,
        on connection: PostgresConnection
    ) async throws {
        if let error {
            try await recordError(
                jobID: jobID, seq: seq, state: .pending, inDoubt: false, notBefore: notBefore, error: error, now: now, on: connection)
        } else {
            // A look-up proved the earlier attempts absent.
            try await connection.query(
                """
                UPDATE chunk SET state = 'pending', in_doubt = 0, not_before = \(notBefore), updated_at = \(now),
                    lease_holder = NULL, lease_expires_at = NULL
                WHERE job_id = \(jobID) AND seq = \(seq)
                """, logger: logger)
            try await settleDoubts(jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then proven absent", on: connection)
        }
        try await finishAttempt(
            attemptID, outcome: "not_processed", httpStatus: error?.httpStatus, code: error?.code, traceID: error?.traceID, now: now,
            on: connection)
    }

    /// The chunk's error columns and new state; the lease is kept only while it stays `inflight`.
    private func recordError(
        jobID: Int64, seq: Int, state: ChunkState, inDoubt: Bool, notBefore: Double?, error: RecordedError, now: Double,
        on connection: PostgresConnection
    ) async throws {
        let keepsLease = state == .inflight
        try await connection.query(
            """
            UPDATE chunk SET state = \(state.rawValue), in_doubt = \(inDoubt ? 1 : 0), not_before = \(notBefore),
                http_status = \(error.httpStatus), error_code = \(error.code), error_message = \(error.message),
                error_fields = \(error.fields), trace_id = \(error.traceID), updated_at = \(now),
                lease_holder = CASE WHEN \(keepsLease) THEN lease_holder END,
                lease_expires_at = CASE WHEN \(keepsLease) THEN lease_expires_at END
            WHERE job_id = \(jobID) AND seq = \(seq)
            """, logger: logger)
    }

    /// Marks the chunk's earlier attempts that ended in doubt (or never ended) as settled `how`, so the
    /// attempt log shows which doubts an answer or a look-up resolved, and `requeueRejected` can tell a
    /// refusal that followed a settled doubt from one that did not.
    private func settleDoubts(jobID: Int64, seq: Int, except attemptID: Int64?, as how: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE attempt SET outcome = \(how)
            WHERE job_id = \(jobID) AND chunk_seq = \(seq) AND id != \(attemptID ?? -1) AND endpoint != 'resolve'
                AND (outcome IS NULL OR outcome = 'in_doubt')
            """, logger: logger)
    }

    private func finishAttempt(
        _ id: Int64?, outcome: String, httpStatus: Int?, code: String?, traceID: String?, now: Double, on connection: PostgresConnection
    ) async throws {
        guard let id else { return }
        try await connection.query(
            """
            UPDATE attempt SET finished_at = \(now), outcome = \(outcome), http_status = \(httpStatus), error_code = \(code),
                trace_id = \(traceID)
            WHERE id = \(id)
            """, logger: logger)
    }
}
