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
    /// The requests the open chunks (and the pending rows not cut into chunks yet) make, by endpoint.
    public var openRequests: RequestCount

    /// Recipients with `status`.
    public func recipients(_ status: RecipientStatus) -> Int { recipients[status.rawValue] ?? 0 }
    /// Chunks in `state`.
    public func chunks(_ state: ChunkState) -> Int { chunks[state.rawValue] ?? 0 }
}

extension SQLiteStateStore {
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
        var open = RequestCount()
        // A chunk of one goes as a single message, whatever its kind (`ChunkRequest.endpoint(kind:recipients:)`).
        for (state, single, count) in try database.query(
            "SELECT state, kind = 'single' OR size = 1, count(*) FROM chunk WHERE job_id = ? GROUP BY 1, 2", [.int(jobID)],
            { ($0.text(0), $0.int(1) != 0, $0.int(2)) })
        {
            chunks[state, default: 0] += count
            if state == ChunkState.pending.rawValue || state == ChunkState.inflight.rawValue {
                if single { open.messages += count } else { open.batches += count }
            }
        }
        // Pending rows not cut into chunks yet count as the requests they will make.
        if uncut > 0 {
            let uncutRequests = try uncutRequests(jobID: jobID, uncut: uncut)
            chunks[ChunkState.pending.rawValue, default: 0] += uncutRequests.total
            open = open + uncutRequests
        }
        let rows = recipients.values.reduce(0, +)
        return JobCounts(
            rows: rows, recipients: recipients, chunks: chunks,
            openChunks: (chunks["pending"] ?? 0) + (chunks["inflight"] ?? 0), openRequests: open)
    }

    /// The requests that `uncut` pending rows without a chunk will make when they are cut.
    ///
    /// A job that groups texts counts its rows by (window group, text), the way `cutChunks` cuts them: a
    /// scan and sort of those rows (about 1 s per million), so the plan right after ingest takes the
    /// counts that ingest gathered instead (`Ingestor`).
    func uncutRequests(jobID: Int64, uncut: Int) throws -> RequestCount {
        let job: SQLiteValue = .int(jobID)
        guard let (size, groupsTexts) = try database.first(
            "SELECT chunk_size, text_groups FROM job WHERE id = ?", [job], { (max(1, $0.int(0)), $0.int(1) != 0) })
        else { return RequestCount() }
        guard groupsTexts else {
            let chunks = ChunkKind.chunks(for: uncut, size: size)
            // One per recipient, or batches whose last may hold one recipient and go as a single message.
            if size == 1 { return RequestCount(messages: chunks) }
            return uncut % size == 1 ? RequestCount(batches: chunks - 1, messages: 1) : RequestCount(batches: chunks)
        }
        var requests = RequestCount()
        let statement = try database.prepare(
            """
            SELECT count(*) FROM recipient WHERE job_id = ? AND status = 'pending' AND chunk IS NULL
            GROUP BY window_group, content
            """)
        try statement.bind([job])
        while try statement.step() {
            requests = requests + ChunkKind.textGroupRequests(count: statement.row.int(0), size: size)
        }
        return requests
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
