import SQLite

/// Counts that `status`, the final summary and the exit code are computed from.
public struct JobCounts: Sendable, Equatable, Codable {
    /// Data rows stored.
    public var rows: Int
    /// Recipients by status.
    public var recipients: [String: Int]
    /// Chunks by state.
    public var chunks: [String: Int]
    /// Chunks still open (pending or in flight).
    public var openChunks: Int

    /// Recipients with `status`.
    public func recipients(_ status: RecipientStatus) -> Int { recipients[status.rawValue] ?? 0 }
    /// Chunks in `state`.
    public func chunks(_ state: ChunkState) -> Int { chunks[state.rawValue] ?? 0 }
}

extension StateStore {
    /// Counts for one job.
    public func counts(jobID: Int64) throws -> JobCounts {
        var recipients: [String: Int] = [:]
        var uncut = 0
        for (status, isUncut, count) in try database.query(
            "SELECT status, chunk IS NULL, count(*) FROM recipient WHERE job_id = ? GROUP BY 1, 2", [.int(jobID)],
            { ($0.text(0), $0.int(1) != 0, $0.int(2)) })
        {
            recipients[status, default: 0] += count
            if isUncut && status == RecipientStatus.pending.rawValue { uncut = count }
        }
        var chunks: [String: Int] = [:]
        for (state, count) in try database.query(
            "SELECT state, count(*) FROM chunk WHERE job_id = ? GROUP BY state", [.int(jobID)], { ($0.text(0), $0.int(1)) })
        { chunks[state] = count }
        // Pending rows not cut into chunks yet count as the pending chunks they will make.
        if uncut > 0 {
            let size = max(1, try database.first("SELECT chunk_size FROM job WHERE id = ?", [.int(jobID)]) { $0.int(0) } ?? 1)
            chunks[ChunkState.pending.rawValue, default: 0] += ChunkKind.chunks(for: uncut, size: size)
        }
        let rows = recipients.values.reduce(0, +)
        return JobCounts(
            rows: rows, recipients: recipients, chunks: chunks,
            openChunks: (chunks["pending"] ?? 0) + (chunks["inflight"] ?? 0))
    }

    /// The most recent recorded error of a job's chunks, if any.
    public func lastError(jobID: Int64) throws -> (chunk: Int, error: RecordedError)? {
        try database.first(
            """
            SELECT seq, http_status, error_code, error_message, error_fields, trace_id FROM chunk
            WHERE job_id = ? AND error_code IS NOT NULL ORDER BY updated_at DESC LIMIT 1
            """, [.int(jobID)]
        ) {
            ($0.int(0), RecordedError(
                httpStatus: $0.optionalInt(1), code: $0.text(2), message: $0.text(3), fields: $0.optionalText(4),
                traceID: $0.optionalText(5)))
        }
    }

    /// Calls `body` with every data row of a job, in input order, without loading them all.
    public func forEachRecipient(jobID: Int64, _ body: (RecipientRecord) throws -> Void) throws {
        let statement = try database.prepare(
            """
            SELECT row, line, phone, e164, status, reason, chunk, campaign_id, message_id, trace_id, updated_at
            FROM recipient WHERE job_id = ? ORDER BY row
            """)
        try statement.bind([.int(jobID)])
        while try statement.step() {
            let r = statement.row
            try body(RecipientRecord(
                row: r.int(0), line: r.int(1), phone: r.text(2), e164: r.isNull(3) ? nil : "+\(r.int64(3))",
                status: try decode(r.text(4), table: "recipient", column: "status", jobID: jobID), reason: r.optionalText(5),
                chunk: r.optionalInt(6), campaignID: r.optionalText(7), messageID: r.optionalText(8),
                traceID: r.optionalText(9), updatedAt: r.optionalDouble(10)))
        }
    }
}
