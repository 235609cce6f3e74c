import SQLite

/// The API's answer as the state records it.
public struct RecordedError: Sendable, Equatable {
    /// HTTP status, when an answer came.
    public var httpStatus: Int?
    /// API error code, or a local one (`TIMEOUT`, `CONNECTION_ERROR`).
    public var code: String
    /// Human text.
    public var message: String
    /// `fields` of a 422, as JSON.
    public var fields: String?
    /// The API's trace id.
    public var traceID: String?

    /// Creates an error record.
    public init(httpStatus: Int?, code: String, message: String, fields: String? = nil, traceID: String? = nil) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.fields = fields
        self.traceID = traceID
    }

    /// "CODE (HTTP 422): message [trace …]" for reasons and logs.
    public var summary: String {
        var text = code
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if !message.isEmpty { text += ": \(message)" }
        if let traceID { text += " [trace \(traceID)]" }
        return text
    }
}

extension SQLiteStateStore {
    static let chunkColumns = """
        job_id, seq, kind, state, size, name, body, idempotency_key, attempts, last_attempt_at, not_before,
        campaign_id, message_id, http_status, error_code, error_message, error_fields, trace_id, in_doubt, window_group
        """

    /// A chunk row; an unknown stored kind or state throws `StateStoreError` instead of becoming a default.
    func chunk(from r: SQLiteRow) throws -> Chunk {
        let jobID = r.int64(0)
        return Chunk(
            jobID: jobID, seq: r.int(1), kind: try decode(r.text(2), table: "chunk", column: "kind", jobID: jobID),
            state: try decode(r.text(3), table: "chunk", column: "state", jobID: jobID), size: r.int(4), name: r.optionalText(5),
            body: r.blob(6), idempotencyKey: r.optionalText(7), attempts: r.int(8), lastAttemptAt: r.optionalDouble(9),
            notBefore: r.optionalDouble(10), campaignID: r.optionalText(11), messageID: r.optionalText(12),
            httpStatus: r.optionalInt(13), errorCode: r.optionalText(14), errorMessage: r.optionalText(15),
            errorFields: r.optionalText(16), traceID: r.optionalText(17), inDoubt: r.int(18) != 0,
            windowGroup: r.optionalText(19))
    }

    /// One chunk.
    public func chunk(jobID: Int64, seq: Int) throws -> Chunk? {
        try database.first(
            "SELECT \(Self.chunkColumns) FROM chunk WHERE job_id = ? AND seq = ?", [.int(jobID), .int(seq)], { try self.chunk(from: $0) })
    }

    /// Chunks in `states`, in order.
    public func chunks(jobID: Int64, in states: [ChunkState]) throws -> [Chunk] {
        let list = states.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try database.query(
            "SELECT \(Self.chunkColumns) FROM chunk WHERE job_id = ? AND state IN (\(list)) ORDER BY seq",
            [.int(jobID)], { try self.chunk(from: $0) })
    }

    /// The next chunk that still needs work (pending or in doubt), in order, with its earliest time; with a
    /// `lane`, the next one that goes to that endpoint.
    public func nextOpenChunk(jobID: Int64, after seq: Int = -1, lane: ChunkLane? = nil) throws -> Chunk? {
        try database.first(Self.nextOpenChunkSQL(lane: lane), [.int(jobID), .int(seq)], { try self.chunk(from: $0) })
    }

    /// The query of `nextOpenChunk` (?1 job, ?2 the cursor); with a lane, a seek in its partial index.
    static func nextOpenChunkSQL(lane: ChunkLane?) -> String {
        """
        SELECT \(chunkColumns) FROM chunk
        WHERE job_id = ?1 AND state IN ('pending', 'inflight') AND seq > ?2 \(lane?.condition ?? "") ORDER BY seq LIMIT 1
        """
    }

    /// The recipients of a chunk, by row.
    public func members(jobID: Int64, seq: Int) throws -> [ChunkMember] {
        try database.query(
            "SELECT row, e164, content FROM recipient WHERE job_id = ? AND chunk = ? ORDER BY row",
            [.int(jobID), .int(seq)]
        ) { ChunkMember(row: $0.int(0), e164: UInt64($0.int64(1)), content: $0.optionalText(2)) }
    }

    /// Commits the intent to send, before the request leaves: state `inflight`, the exact body, its key,
    /// one more attempt. Returns the attempt's id.
    ///
    /// After this commit, a crash at any instant leaves a chunk that the next run looks up before it
    /// resends: it can never be forgotten, and never sent blind a second time. Compare-and-set: the chunk
    /// must be `pending`, else `StateStoreError.chunkChangedUnderneath` and nothing changes.
    @discardableResult
    public func markInFlight(
        jobID: Int64, seq: Int, name: String, body: [UInt8], idempotencyKey: String, endpoint: String, at now: Double
    ) throws -> Int64 {
        try database.transaction {
            try database.run(
                """
                UPDATE chunk SET state = 'inflight', name = ?, body = ?, idempotency_key = ?, attempts = attempts + 1,
                    last_attempt_at = ?, not_before = NULL, in_doubt = 1, updated_at = ?
                WHERE job_id = ? AND seq = ? AND state = 'pending'
                """,
                [.text(name), .blob(body), .text(idempotencyKey), .double(now), .double(now), .int(jobID), .int(seq)])
            // Compare-and-set: only a pending chunk may become in flight. Anything else means another process
            // moved it (despite the lock); sending now could send it twice.
            guard database.changes == 1 else {
                throw StateStoreError(.chunkChangedUnderneath(jobID: jobID, seq: seq, expected: "pending"), path: path)
            }
            try database.run(
                "INSERT INTO attempt (job_id, chunk_seq, endpoint, started_at) VALUES (?, ?, ?, ?)",
                [.int(jobID), .int(seq), .text(endpoint), .double(now)])
            return database.lastInsertRowID
        }
    }

    /// Records acceptance: the chunk and its recipients are done.
    public func markAccepted(
        jobID: Int64, seq: Int, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?,
        attemptID: Int64?, outcome: String = "accepted"
    ) throws {
        try database.transaction {
            try recordAccepted(
                jobID: jobID, seq: seq, campaignID: campaignID, messageID: messageID, httpStatus: httpStatus, traceID: traceID,
                attemptID: attemptID, outcome: outcome)
        }
    }

    private func recordAccepted(
        jobID: Int64, seq: Int, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?,
        attemptID: Int64?, outcome: String
    ) throws {
        let now = clock.now()
        try database.run(
            """
            UPDATE chunk SET state = 'accepted', campaign_id = ?, message_id = ?, http_status = ?, trace_id = ?,
                in_doubt = 0, not_before = NULL, error_code = NULL, error_message = NULL, error_fields = NULL,
                updated_at = ?
            WHERE job_id = ? AND seq = ?
            """,
            [.optional(campaignID), .optional(messageID), .optional(httpStatus), .optional(traceID), .double(now),
             .int(jobID), .int(seq)])
        try database.run(
            """
            UPDATE recipient SET status = 'sent', reason = NULL, campaign_id = ?, message_id = ?, trace_id = ?,
                updated_at = ?
            WHERE job_id = ? AND chunk = ? AND status = 'pending'
            """,
            [.optional(campaignID), .optional(messageID), .optional(traceID), .double(now), .int(jobID), .int(seq)])
        try finishAttempt(attemptID, outcome: outcome, httpStatus: httpStatus, code: nil, traceID: traceID, at: now)
        try settleDoubts(jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then found: \(outcome)")
    }

    /// Records a final refusal: the chunk and its recipients are rejected with the API's reason.
    public func markRejected(jobID: Int64, seq: Int, error: RecordedError, attemptID: Int64?) throws {
        let now = clock.now()
        try database.transaction {
            try recordError(jobID: jobID, seq: seq, state: .rejected, inDoubt: false, notBefore: nil, error: error, now: now)
            try database.run(
                """
                UPDATE recipient SET status = 'rejected', reason = ?, trace_id = ?, updated_at = ?
                WHERE job_id = ? AND chunk = ? AND status = 'pending'
                """, [.text(error.summary), .optional(error.traceID), .double(now), .int(jobID), .int(seq)])
            try finishAttempt(attemptID, outcome: "rejected", httpStatus: error.httpStatus, code: error.code, traceID: error.traceID, at: now)
            // Recorded only when no earlier attempt may have arrived or a look-up proved them absent.
            try settleDoubts(jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then proven absent before the refusal")
        }
    }

    /// Records an answer that proves the request was not processed (401/403/402/429, or a look-up that
    /// found nothing): back to `pending`, not before `notBefore`.
    public func markNotProcessed(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError?, attemptID: Int64?) throws {
        try database.transaction {
            try recordNotProcessed(jobID: jobID, seq: seq, notBefore: notBefore, error: error, attemptID: attemptID)
        }
    }

    private func recordNotProcessed(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError?, attemptID: Int64?) throws {
        let now = clock.now()
        if let error {
            try recordError(jobID: jobID, seq: seq, state: .pending, inDoubt: false, notBefore: notBefore, error: error, now: now)
        } else {
            // A look-up proved the earlier attempts absent.
            try database.run(
                "UPDATE chunk SET state = 'pending', in_doubt = 0, not_before = ?, updated_at = ? WHERE job_id = ? AND seq = ?",
                [.optional(notBefore), .double(now), .int(jobID), .int(seq)])
            try settleDoubts(jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then proven absent")
        }
        try finishAttempt(attemptID, outcome: "not_processed", httpStatus: error?.httpStatus, code: error?.code, traceID: error?.traceID, at: now)
    }

    /// Marks the chunk's earlier attempts that ended in doubt (or never ended: the process died) as settled
    /// `how`, so the attempt log shows which doubts a look-up or an answer resolved, and `requeueRejected`
    /// can tell a refusal that followed a settled doubt from one that did not.
    private func settleDoubts(jobID: Int64, seq: Int, except attemptID: Int64?, as how: String) throws {
        try database.run(
            """
            UPDATE attempt SET outcome = ? WHERE job_id = ? AND chunk_seq = ? AND id != ? AND endpoint != 'resolve'
                AND (outcome IS NULL OR outcome = 'in_doubt')
            """, [.text(how), .int(jobID), .int(seq), .int(attemptID ?? -1)])
    }

    /// Records an outcome that leaves the request's fate unknown (timeout, 5xx, lost reply): the chunk
    /// stays `inflight`, and must be looked up before any resend.
    public func markInDoubt(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError, attemptID: Int64?) throws {
        let now = clock.now()
        try database.transaction {
            try recordError(jobID: jobID, seq: seq, state: .inflight, inDoubt: true, notBefore: notBefore, error: error, now: now)
            try finishAttempt(attemptID, outcome: "in_doubt", httpStatus: error.httpStatus, code: error.code, traceID: error.traceID, at: now)
        }
    }

    /// Replaces a chunk by a new one without `rejectedRows`, which are marked rejected with their reasons.
    ///
    /// The new chunk has a new number, so it gets a new name and a new Idempotency-Key: its body differs.
    /// Returns the new chunk's number, or nil when no recipient is left.
    @discardableResult
    public func split(jobID: Int64, seq: Int, rejectedRows: [Int: String], error: RecordedError, attemptID: Int64?) throws -> Int? {
        let now = clock.now()
        return try database.transaction {
            for (row, reason) in rejectedRows {
                try database.run(
                    """
                    UPDATE recipient SET status = 'rejected', reason = ?, trace_id = ?, updated_at = ?
                    WHERE job_id = ? AND row = ? AND chunk = ?
                    """, [.text(reason), .optional(error.traceID), .double(now), .int(jobID), .int(row), .int(seq)])
            }
            try recordError(jobID: jobID, seq: seq, state: .split, inDoubt: false, notBefore: nil, error: error, now: now)
            try finishAttempt(attemptID, outcome: "split", httpStatus: error.httpStatus, code: error.code, traceID: error.traceID, at: now)
            try settleDoubts(jobID: jobID, seq: seq, except: attemptID, as: "in_doubt, then proven absent before the refusal")
            let remaining = try database.scalar(
                "SELECT count(*) FROM recipient WHERE job_id = ? AND chunk = ? AND status = 'pending'", [.int(jobID), .int(seq)])
            guard remaining > 0 else { return nil }
            let next = Int(try database.scalar("SELECT coalesce(max(seq), -1) + 1 FROM chunk WHERE job_id = ?", [.int(jobID)]))
            let storedKind = try database.first("SELECT kind FROM chunk WHERE job_id = ? AND seq = ?", [.int(jobID), .int(seq)]) { $0.text(0) } ?? ""
            let kind: ChunkKind = try decode(storedKind, table: "chunk", column: "kind", jobID: jobID)
            try database.run(
                """
                INSERT INTO chunk (job_id, seq, kind, state, size, parent_seq, window_group, updated_at)
                SELECT ?, ?, ?, 'pending', ?, ?, window_group, ? FROM chunk WHERE job_id = ? AND seq = ?
                """,
                [.int(jobID), .int(next), .text(kind.rawValue), .int(remaining), .int(seq), .double(now), .int(jobID), .int(seq)])
            try database.run(
                "UPDATE recipient SET chunk = ? WHERE job_id = ? AND chunk = ? AND status = 'pending'",
                [.int(next), .int(jobID), .int(seq)])
            return next
        }
    }

    /// Whether the job still has to ask the API whether its campaign was sent from elsewhere: it has not
    /// been asked yet, and the job has sent nothing (after its first request, its own batches would match).
    public func needsResendCheck(jobID: Int64) throws -> Bool {
        try database.scalar(
            """
            SELECT count(*) FROM job WHERE id = ? AND resend_check IS NULL
                AND NOT EXISTS (SELECT 1 FROM attempt WHERE attempt.job_id = job.id)
            """, [.int(jobID)]) == 1
    }

    /// Records the answer of the resend check (e.g. "none found since …", "allowed: …"), once.
    public func recordResendCheck(jobID: Int64, _ outcome: String) throws {
        try database.run(
            "UPDATE job SET resend_check = ?, updated_at = ? WHERE id = ?", [.text(outcome), .double(clock.now()), .int(jobID)])
    }

    /// The recorded answer of the resend check, if any.
    public func resendCheck(jobID: Int64) throws -> String? {
        try database.first("SELECT resend_check FROM job WHERE id = ?", [.int(jobID)]) { $0.optionalText(0) } ?? nil
    }

    /// The first `limit` recipients waiting to be sent, in row order (number and rendered text), for the
    /// resend check's look-up of single messages.
    public func firstPendingRecipients(jobID: Int64, limit: Int) throws -> [ChunkMember] {
        try database.query(
            "SELECT row, e164, content FROM recipient WHERE job_id = ? AND status = 'pending' AND e164 IS NOT NULL ORDER BY row LIMIT ?",
            [.int(jobID), .int(limit)]
        ) { ChunkMember(row: $0.int(0), e164: UInt64($0.int64(1)), content: $0.optionalText(2)) }
    }

    /// When the look-up window of chunk `seq`'s single message starts: its first attempt since a person
    /// last resolved it (nil when it has none). A message to the number from before that cannot be this
    /// request's, so it must not make the look-up ambiguous (nor, with the same text, found).
    public func lookUpWindowStart(jobID: Int64, seq: Int) throws -> Double? {
        try database.first(
            """
            SELECT min(started_at) FROM attempt
            WHERE job_id = ?1 AND chunk_seq = ?2 AND endpoint != 'resolve'
                AND started_at >= coalesce(
                    (SELECT max(started_at) FROM attempt WHERE job_id = ?1 AND chunk_seq = ?2 AND endpoint = 'resolve'), 0)
            """, [.int(jobID), .int(seq)]) { $0.optionalDouble(0) } ?? nil
    }

    /// Data rows whose request's look-up was ambiguous (`AMBIGUOUS_MATCH`) and waits for a person, first
    /// `limit` in row order.
    public func ambiguousRows(jobID: Int64, limit: Int = 20) throws -> [Int] {
        try database.query(
            """
            SELECT r.row FROM chunk c JOIN recipient r ON r.job_id = c.job_id AND r.chunk = c.seq
            WHERE c.job_id = ? AND c.state = 'inflight' AND c.error_code = 'AMBIGUOUS_MATCH' ORDER BY r.row LIMIT ?
            """, [.int(jobID), .int(limit)]) { $0.int(0) }
    }

    /// Settles the in-doubt request that holds data row `row` as `resolution` decides, in one transaction
    /// with an attempt row that records the decision (`resolve`, `resolved: sent` / `resolved: absent`).
    ///
    /// Only a request whose look-up was ambiguous (`AMBIGUOUS_MATCH`: it was looked up after it settled)
    /// unless `force`: an ordinary in-doubt request is settled by the next run's look-up, and calling it
    /// absent by hand while the API may still be working on it could send it twice. Returns the chunk's
    /// number; throws `.notInDoubt` when there is nothing to decide.
    @discardableResult
    public func resolveInDoubt(jobID: Int64, row: Int, as resolution: InDoubtResolution, force: Bool = false) throws -> Int {
        try database.transaction {
            let found = try database.first(
                """
                SELECT c.seq, c.error_code FROM recipient r JOIN chunk c ON c.job_id = r.job_id AND c.seq = r.chunk
                WHERE r.job_id = ? AND r.row = ? AND c.state = 'inflight'
                """, [.int(jobID), .int(row)]) { ($0.int(0), $0.optionalText(1)) }
            guard let (seq, code) = found, force || code == "AMBIGUOUS_MATCH" else {
                throw StateStoreError(.notInDoubt(jobID: jobID, row: row), path: path)
            }
            let now = clock.now()
            switch resolution {
            case .sent:
                try recordAccepted(
                    jobID: jobID, seq: seq, campaignID: nil, messageID: nil, httpStatus: nil, traceID: nil, attemptID: nil,
                    outcome: "resolved: sent")
            case .absent:
                try recordNotProcessed(jobID: jobID, seq: seq, notBefore: nil, error: nil, attemptID: nil)
            }
            try database.run(
                """
                INSERT INTO attempt (job_id, chunk_seq, endpoint, started_at, finished_at, outcome, error_code)
                VALUES (?, ?, 'resolve', ?, ?, ?, 'RESOLVED_BY_OPERATOR')
                """, [.int(jobID), .int(seq), .double(now), .double(now), .text("resolved: \(resolution.rawValue)")])
            return seq
        }
    }

    /// Re-queues rejected recipients (after the operator fixed the cause): they become pending again,
    /// without a chunk, and are cut into new chunks (new names, new keys) when the job next sends. Sent rows
    /// are never touched, nor rows whose chunk still has an unresolved in-doubt attempt (in flight, or in
    /// doubt), nor rows refused after an attempt that ended in doubt and was never settled by a look-up:
    /// re-queueing those could send a recipient a second time.
    public func requeueRejected(jobID: Int64) throws -> RequeueSummary {
        // In doubt now, or refused after an attempt that ended in doubt and was never settled (what builds
        // before the confirm-the-refusal rule recorded for a 4xx after a timeout).
        let undecided = """
            (EXISTS (SELECT 1 FROM chunk WHERE chunk.job_id = recipient.job_id AND chunk.seq = recipient.chunk
                AND (chunk.in_doubt = 1 OR chunk.state = 'inflight'))
             OR EXISTS (SELECT 1 FROM attempt WHERE attempt.job_id = recipient.job_id AND attempt.chunk_seq = recipient.chunk
                AND attempt.endpoint != 'resolve' AND (attempt.outcome = 'in_doubt' OR attempt.outcome IS NULL)))
            """
        return try database.transaction {
            let job: SQLiteValue = .int(jobID)
            let heldBack = try database.scalar(
                "SELECT count(*) FROM recipient WHERE job_id = ? AND status = 'rejected' AND e164 IS NOT NULL AND \(undecided)", [job])
            let first = try database.scalar(
                "SELECT coalesce(min(row), 0) FROM recipient WHERE job_id = ? AND status = 'rejected' AND e164 IS NOT NULL AND NOT \(undecided)",
                [job])
            try database.run(
                """
                UPDATE recipient SET status = 'pending', reason = NULL, chunk = NULL, updated_at = ?
                WHERE job_id = ? AND status = 'rejected' AND e164 IS NOT NULL AND NOT \(undecided)
                """, [.double(clock.now()), job])
            let count = database.changes
            if count > 0 {
                try database.run(
                    "UPDATE job SET phase = 'planned', cut_row = min(cut_row, ?), updated_at = ? WHERE id = ?",
                    [.int(first - 1), .double(clock.now()), job])
            }
            return RequeueSummary(requeued: count, heldBack: Int(heldBack))
        }
    }

    /// Cuts the next pending rows without a chunk into new chunks numbered after the last one, in row
    /// order, whole chunks of the job's `chunk_size` up to about `recipients` rows (the last chunk of the
    /// job may be smaller). Returns the number of chunks cut: 0 when every pending row has one.
    ///
    /// A chunk holds rows of one window group only (`window_group`: rows that open and close together),
    /// so one far-away number never holds back a batch. Rows without a group (no send window) form one
    /// group, which cuts exactly as before. With `grouped` a batch job cuts every pending row at once, so
    /// each group's chunks are whole (a group's last chunk is its only smaller one); chunks are numbered
    /// by their first row. The same rows always give the same chunks, whenever and however often the
    /// cutting is resumed.
    ///
    /// Called by the sender when no chunk is open, so a million single messages are cut ten thousand at a
    /// time while they go out, not all during ingest. One transaction: a crash leaves the rows uncut or the
    /// chunks whole; a chunk is `pending` with no body until its intent is committed, so cutting sends nothing.
    public func cutChunks(jobID: Int64, recipients: Int = 10_000, grouped: Bool = false) throws -> Int {
        try database.transaction {
            let job: SQLiteValue = .int(jobID)
            guard let (stored, size, cursor, groupsTexts) = try database.first(
                "SELECT chunk_kind, chunk_size, cut_row, text_groups FROM job WHERE id = ?", [job],
                { ($0.optionalText(0), max(1, $0.int(1)), $0.int(2), $0.int(3) != 0) })
            else { return 0 }
            if groupsTexts { return try cutTextGroups(jobID: jobID, size: size, after: cursor) }
            guard let stored else {
                // A job without a recorded kind has nothing to cut only if no pending row waits for a chunk;
                // otherwise answering 0 would end the send with those rows silently unsent.
                let waiting = try database.scalar(
                    "SELECT count(*) FROM recipient WHERE job_id = ? AND status = 'pending' AND chunk IS NULL", [job])
                guard waiting == 0 else {
                    throw StateStoreError(.undecodable(
                        table: "job", column: "chunk_kind", jobID: jobID,
                        reason: "no chunk kind is recorded while \(waiting) pending recipient(s) wait to be cut into chunks"), path: path)
                }
                return 0
            }
            let kind: ChunkKind = try decode(stored, table: "job", column: "chunk_kind", jobID: jobID)
            // Every row at once for a grouped batch job, so no group is left with a partial chunk.
            if grouped && kind == .batch { return try cutWindowGroups(jobID: jobID, size: size, after: cursor) }
            let limit = max(size, recipients / size * size)
            let rows = try database.query(
                """
                SELECT row, window_group FROM recipient WHERE job_id = ? AND row > ? AND status = 'pending' AND chunk IS NULL
                ORDER BY row LIMIT ?
                """, [job, .int(cursor), .int(limit)]) { ($0.int(0), $0.optionalText(1)) }
            guard let last = rows.last?.0 else { return 0 }
            // Each group's rows in row order, cut into whole chunks; chunks ordered by their first row.
            var groupRows: [String?: [Int]] = [:]
            for (row, group) in rows { groupRows[group, default: []].append(row) }
            var cuts: [(rows: ArraySlice<Int>, group: String?)] = []
            for (group, members) in groupRows {
                var start = 0
                while start < members.count {
                    let end = min(start + size, members.count)
                    cuts.append((members[start..<end], group))
                    start = end
                }
            }
            cuts.sort { ($0.rows.first ?? 0) < ($1.rows.first ?? 0) }
            var seq = Int(try database.scalar("SELECT coalesce(max(seq), -1) + 1 FROM chunk WHERE job_id = ?", [job]))
            // Within [first, last] of a chunk, every pending uncut row of its group belongs to it: the group's
            // rows are cut in order, and every one of them after the cursor was read above.
            let assign = try database.prepare(
                """
                UPDATE recipient SET chunk = ? WHERE job_id = ? AND row BETWEEN ? AND ? AND status = 'pending' AND chunk IS NULL
                    AND window_group IS ?
                """)
            let insert = try database.prepare(
                "INSERT INTO chunk (job_id, seq, kind, state, size, window_group, updated_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)")
            let now = clock.now()
            for cut in cuts {
                try assign.bind([.int(seq), job, .int(cut.rows.first ?? 0), .int(cut.rows.last ?? 0), .optional(cut.group)])
                try assign.execute()
                try insert.bind([job, .int(seq), .text(kind.rawValue), .int(cut.rows.count), .optional(cut.group), .double(now)])
                try insert.execute()
                seq += 1
            }
            try database.run("UPDATE job SET cut_row = ? WHERE id = ?", [.int(last), job])
            return cuts.count
        }
    }

    /// `cutChunks` for a batch job with a send window: every pending row not cut yet, at once. Each window
    /// group's rows, in row order, make whole chunks of `size` (its last one smaller); chunks are numbered by
    /// their first row. Runs inside `cutChunks`'s transaction.
    private func cutWindowGroups(jobID: Int64, size: Int, after cursor: Int) throws -> Int {
        try cutAtOnce(jobID: jobID, after: cursor, size: size, plan: """
            SELECT row, window_group, dense_rank() OVER (ORDER BY chunk_first) AS n, 'batch' AS kind FROM (
                SELECT row, window_group, min(row) OVER (PARTITION BY window_group, part) AS chunk_first FROM (
                    SELECT row, window_group, (row_number() OVER (PARTITION BY window_group ORDER BY row) - 1) / ?3 AS part
                    FROM recipient WHERE job_id = ?1 AND row > ?2 AND status = 'pending' AND chunk IS NULL))
            """)
    }

    /// `cutChunks` for a job that groups texts: every pending row not cut yet, at once, by (window group,
    /// text). A text's rows go in `ChunkKind.textGroupSizes` chunks (batches) — `part` below is that
    /// split in SQL, row by row — and a text that occurs once in a chunk of one (a single message). Texts
    /// are taken in the order of their first row, and each text's rows in row order, so a job whose texts
    /// all differ cuts as it did before grouping (one chunk per row, in row order), and the same rows
    /// always give the same chunks. Runs inside `cutChunks`'s transaction.
    private func cutTextGroups(jobID: Int64, size: Int, after cursor: Int) throws -> Int {
        try cutAtOnce(jobID: jobID, after: cursor, size: size, plan: """
            SELECT row, window_group, dense_rank() OVER (ORDER BY text_first, part) AS n,
                CASE WHEN (CASE WHEN part < larger THEN base + 1 ELSE base END) = 1 THEN 'single' ELSE 'batch' END AS kind FROM (
                SELECT row, window_group, text_first, base, larger,
                    CASE WHEN r < larger * (base + 1) THEN r / (base + 1) ELSE larger + (r - larger * (base + 1)) / base END AS part
                FROM (
                    SELECT row, window_group, text_first, r, c / ((c + ?3 - 1) / ?3) AS base, c % ((c + ?3 - 1) / ?3) AS larger
                    FROM (
                        SELECT row, window_group, min(row) OVER text_group AS text_first, count(*) OVER text_group AS c,
                            row_number() OVER text_group - 1 AS r
                        FROM recipient WHERE job_id = ?1 AND row > ?2 AND status = 'pending' AND chunk IS NULL
                        -- One sort for all three: the frame is the whole text, in row order.
                        WINDOW text_group AS (PARTITION BY window_group, content ORDER BY row
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))))
            """)
    }

    /// Cuts every pending row not cut yet at once, as `plan` says: a query over those rows (?1 job, ?2 the
    /// cursor, ?3 the chunk size) giving each row's window group, its chunk's number among the new chunks
    /// (`n`, from 1, in the order they are to be sent) and the chunk's kind.
    ///
    /// Set-based, so the cost is a few sorts and one pass over the job: the plan goes into a temporary
    /// table in row order, the chunk rows are made from it, and one `UPDATE … FROM` gives every row its
    /// chunk walking both in row order, each page of the job once. (Row by row from Swift, in text order,
    /// a 50-text job swept the whole table 50 times.) SQLite's sorts spill to temporary files, so memory
    /// stays bounded; the transaction's size is the job's (docs/architecture.md, "Group personalised texts").
    private func cutAtOnce(jobID: Int64, after cursor: Int, size: Int, plan: String) throws -> Int {
        let job: SQLiteValue = .int(jobID)
        let first = Int(try database.scalar("SELECT coalesce(max(seq), -1) + 1 FROM chunk WHERE job_id = ?", [job]))
        try database.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS cut_plan (
                row INTEGER PRIMARY KEY, seq INTEGER NOT NULL, window_group TEXT, kind TEXT NOT NULL);
            DELETE FROM temp.cut_plan;
            """)
        try database.run(
            "INSERT INTO temp.cut_plan (row, window_group, seq, kind) SELECT row, window_group, n + ?4 - 1, kind FROM (\(plan)) ORDER BY row",
            [job, .int(cursor), .int(size), .int(first)])
        guard let last = try database.first("SELECT max(row) FROM temp.cut_plan", [], { $0.optionalInt(0) }) ?? nil else { return 0 }
        try database.run(
            """
            INSERT INTO chunk (job_id, seq, kind, state, size, window_group, updated_at)
            SELECT ?1, seq, min(kind), 'pending', count(*), min(window_group), ?2 FROM temp.cut_plan GROUP BY seq ORDER BY seq
            """, [job, .double(clock.now())])
        let cut = database.changes
        try database.run(
            """
            UPDATE recipient SET chunk = p.seq FROM temp.cut_plan AS p
            WHERE recipient.job_id = ?1 AND recipient.row > ?2 AND recipient.row = p.row AND recipient.status = 'pending'
                AND recipient.chunk IS NULL
            """, [job, .int(cursor)])
        let assigned = database.changes
        let planned = Int(try database.scalar("SELECT count(*) FROM temp.cut_plan", []))
        try database.execute("DELETE FROM temp.cut_plan")
        // Every planned row got its chunk; anything else would leave rows below the new cursor without one.
        guard assigned == planned else {
            throw StateStoreError(.undecodable(
                table: "recipient", column: "chunk", jobID: jobID,
                reason: "\(planned - assigned) of \(planned) row(s) not assigned while cutting chunks"), path: path)
        }
        try database.run("UPDATE job SET cut_row = ? WHERE id = ?", [.int(last), job])
        return cut
    }

    /// When earlier requests to `endpoint` may have reached the API (since `since`), oldest first: seeds
    /// the pacer so that a new cron run does not exceed a window the previous run began.
    ///
    /// The answer's time bounds when the server counted a request. A request whose answer was never
    /// recorded (the process died) counts at its start plus `unansweredAllowance`: a request reaches the
    /// server within a round trip of leaving, and a dead process's socket is closed by the kernel, so a
    /// few seconds bound it without blocking a restarted run for a whole request timeout.
    public func attemptTimes(endpoint: String, since: Double, unansweredAllowance: Double = 2) throws -> [Double] {
        try database.query(
            """
            SELECT coalesce(finished_at, started_at + ?) AS t FROM attempt
            WHERE endpoint = ? AND coalesce(finished_at, started_at + ?) >= ? ORDER BY t
            """,
            [.double(unansweredAllowance), .text(endpoint), .double(unansweredAllowance), .double(since)]) { $0.double(0) }
    }

    private func recordError(
        jobID: Int64, seq: Int, state: ChunkState, inDoubt: Bool, notBefore: Double?, error: RecordedError, now: Double
    ) throws {
        try database.run(
            """
            UPDATE chunk SET state = ?, in_doubt = ?, not_before = ?, http_status = ?, error_code = ?,
                error_message = ?, error_fields = ?, trace_id = ?, updated_at = ?
            WHERE job_id = ? AND seq = ?
            """,
            [.text(state.rawValue), .int(inDoubt ? 1 : 0), .optional(notBefore),
             .optional(error.httpStatus), .text(error.code), .text(error.message), .optional(error.fields),
             .optional(error.traceID), .double(now), .int(jobID), .int(seq)])
    }

    private func finishAttempt(_ id: Int64?, outcome: String, httpStatus: Int?, code: String?, traceID: String?, at now: Double) throws {
        guard let id else { return }
        try database.run(
            "UPDATE attempt SET finished_at = ?, outcome = ?, http_status = ?, error_code = ?, trace_id = ? WHERE id = ?",
            [.double(now), .text(outcome), .optional(httpStatus), .optional(code), .optional(traceID), .int(id)])
    }
}
