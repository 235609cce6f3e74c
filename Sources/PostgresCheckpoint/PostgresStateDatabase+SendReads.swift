public import Checkpoint
import PostgresNIO

/// The send path's reads and the resend check of `StateStore+Chunks.swift`, with the same answers.
extension PostgresStateDatabase {
    /// Chunks in `states`, by number (`StateStore.chunks(jobID:in:)`). The lease columns are left out:
    /// `leases(jobID:)` shows who holds what.
    public func chunks(jobID: Int64, in states: [ChunkState]) async throws -> [Chunk] {
        let names = states.map(\.rawValue)
        return try await serially { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.chunkColumns) FROM chunk WHERE job_id = \(jobID) AND state = ANY(\(names)) ORDER BY seq",
                logger: logger)
            var chunks: [Chunk] = []
            for try await row in rows { chunks.append(try Self.leasedChunk(from: row, previousHolder: nil).chunk) }
            return chunks
        }
    }

    /// The next chunk after `seq` that still needs work (pending or in flight), by number; with a `lane`,
    /// the next one that goes to that endpoint (`StateStore.nextOpenChunk`). A read for `status` and the
    /// plan: a host that sends takes its chunk with `leaseNextChunk`, which skips what others hold.
    public func nextOpenChunk(jobID: Int64, after seq: Int = -1, lane: ChunkLane? = nil) async throws -> Chunk? {
        // `ChunkLane`'s rule, as the SQLite state's partial indexes have it: a chunk of one is a single message.
        let batches = lane.map { $0 == .batches }
        return try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.chunkColumns) FROM chunk
                WHERE job_id = \(jobID) AND state IN ('pending', 'inflight') AND seq > \(seq)
                    AND (\(batches)::boolean IS NULL OR (kind = 'batch' AND size > 1) = \(batches)::boolean)
                ORDER BY seq LIMIT 1
                """, logger: logger)
            for try await row in rows { return try Self.leasedChunk(from: row, previousHolder: nil).chunk }
            return nil
        }
    }

    /// Whether the job still has to ask the API whether its campaign was sent from elsewhere: not asked
    /// yet, and nothing sent (`StateStore.needsResendCheck`).
    public func needsResendCheck(jobID: Int64) async throws -> Bool {
        try await serially { connection in
            try await connection.query(
                """
                SELECT count(*) FROM job WHERE id = \(jobID) AND resend_check IS NULL
                    AND NOT EXISTS (SELECT 1 FROM attempt WHERE attempt.job_id = job.id)
                """, logger: logger
            ).decode(Int.self).collectFirst() == 1
        }
    }

    /// Records the answer of the resend check (`StateStore.recordResendCheck`). Like the SQLite state, the
    /// last answer recorded stands; callers ask `needsResendCheck` first.
    public func recordResendCheck(jobID: Int64, _ outcome: String, now: Double) async throws {
        try await serially { connection in
            _ = try await connection.query(
                "UPDATE job SET resend_check = \(outcome), updated_at = \(now) WHERE id = \(jobID)", logger: logger)
        }
    }

    /// The recorded answer of the resend check, if any (`StateStore.resendCheck`).
    public func resendCheck(jobID: Int64) async throws -> String? {
        try await serially { connection in
            try await connection.query("SELECT resend_check FROM job WHERE id = \(jobID)", logger: logger)
                .decode(String?.self).collectFirst() ?? nil
        }
    }

    /// The first `limit` recipients waiting to be sent, in row order, for the resend check's look-up
    /// (`StateStore.firstPendingRecipients`).
    public func firstPendingRecipients(jobID: Int64, limit: Int) async throws -> [ChunkMember] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT row, e164, content FROM recipient WHERE job_id = \(jobID) AND status = 'pending' AND e164 IS NOT NULL
                ORDER BY row LIMIT \(limit)
                """, logger: logger)
            var members: [ChunkMember] = []
            for try await (row, e164, content) in rows.decode((Int, Int64, String?).self) {
                members.append(ChunkMember(row: row, e164: UInt64(e164), content: content))
            }
            return members
        }
    }

    /// When the look-up window of chunk `seq`'s single message starts: its first attempt since a person
    /// last resolved it, nil when none (`StateStore.lookUpWindowStart`).
    public func lookUpWindowStart(jobID: Int64, seq: Int) async throws -> Double? {
        try await serially { connection in
            try await connection.query(
                """
                SELECT min(started_at) FROM attempt
                WHERE job_id = \(jobID) AND chunk_seq = \(seq) AND endpoint != 'resolve'
                    AND started_at >= coalesce(
                        (SELECT max(started_at) FROM attempt WHERE job_id = \(jobID) AND chunk_seq = \(seq) AND endpoint = 'resolve'), 0)
                """, logger: logger
            ).decode(Double?.self).collectFirst() ?? nil
        }
    }

    /// Data rows whose request's look-up was ambiguous and waits for a person, the first `limit` in row
    /// order (`StateStore.ambiguousRows`).
    public func ambiguousRows(jobID: Int64, limit: Int = 20) async throws -> [Int] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT r.row FROM chunk c JOIN recipient r ON r.job_id = c.job_id AND r.chunk = c.seq
                WHERE c.job_id = \(jobID) AND c.state = 'inflight' AND c.error_code = 'AMBIGUOUS_MATCH' ORDER BY r.row LIMIT \(limit)
                """, logger: logger)
            var found: [Int] = []
            for try await row in rows.decode(Int.self) { found.append(row) }
            return found
        }
    }

    /// When earlier requests to `endpoint` may have reached the API (since `since`), oldest first, over
    /// every job as in the SQLite state (`StateStore.attemptTimes`): seeds the pacer. An unanswered
    /// request counts at its start plus `unansweredAllowance`.
    ///
    /// With several hosts this is every host's requests, which is what a shared key's pacer must see.
    public func attemptTimes(endpoint: String, since: Double, unansweredAllowance: Double = 2) async throws -> [Double] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT coalesce(finished_at, started_at + \(unansweredAllowance)) AS t FROM attempt
                WHERE endpoint = \(endpoint) AND coalesce(finished_at, started_at + \(unansweredAllowance)) >= \(since)
                ORDER BY t
                """, logger: logger)
            var times: [Double] = []
            for try await time in rows.decode(Double.self) { times.append(time) }
            return times
        }
    }
}
