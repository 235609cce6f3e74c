public import Checkpoint
import PostgresNIO
import Recipients

extension PostgresStateDatabase {
    /// Records how the job's pending rows will be cut, as `IngestWriter.init` does: `chunk_kind`,
    /// `chunk_size` and `text_groups`. A resumed ingest (rows already stored) keeps whether the first run
    /// grouped texts, so a job cuts as it began.
    ///
    /// Locks the job row first, so two hosts beginning the same ingest record one decision.
    public func beginIngest(jobID: Int64, kind: ChunkKind, chunkSize: Int, groupsTexts: Bool = true) async throws -> IngestPlan {
        try await transaction { connection in
            let recorded = try await connection.query(
                "SELECT chunk_kind, text_groups FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger
            ).decode((String?, Int64).self).collectFirst()
            let resumed = try await connection.query(
                "SELECT EXISTS (SELECT 1 FROM recipient WHERE job_id = \(jobID))", logger: logger
            ).decode(Bool.self).collectFirst() ?? false
            let grouping = kind == .single && (recorded?.0 == nil ? groupsTexts : recorded.map { $0.1 != 0 } ?? false)
            let size = grouping ? max(1, chunkSize) : kind.recipientsPerChunk(configured: chunkSize)
            try await connection.query(
                "UPDATE job SET chunk_kind = \(kind.rawValue), chunk_size = \(size), text_groups = \(grouping ? 1 : 0) WHERE id = \(jobID)",
                logger: logger)
            return IngestPlan(chunkSize: size, groupsTexts: grouping, resumed: resumed)
        }
    }

    /// Stores `rows` and the reader position after them (`offset`, `line`, `rowCount`), in one transaction,
    /// as `IngestWriter.write` does: a crash leaves both or neither, so a resumed ingest continues after the
    /// last committed batch. A row already stored (a replayed batch) is left as it is (`ON CONFLICT DO
    /// NOTHING`, SQLite's `INSERT OR IGNORE`). Returns the number of rows inserted.
    ///
    /// One `INSERT … SELECT FROM unnest(…)` of one array per column: one statement and about fifteen binds
    /// whatever the batch's size, where a multi-row `VALUES` list needs ten binds per row (and PostgreSQL
    /// allows 65,535 per statement). The driver's arrays cannot hold NULL, so each nullable column comes
    /// with an array of presence flags. Measured in docs/postgres.md.
    @discardableResult
    public func storeIngestBatch(
        jobID: Int64, rows: [IngestRow], offset: Int64, line: Int, rowCount: Int, now: Double
    ) async throws -> Int {
        let columns = IngestColumns(rows)
        return try await transaction { connection in
            let inserted = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO recipient (job_id, row, line, phone, e164, status, reason, content, number_type, window_group)
                    SELECT \(jobID), r.row, r.line, r.phone, CASE WHEN r.has_e164 THEN r.e164 END, r.status,
                        CASE WHEN r.has_reason THEN r.reason END, CASE WHEN r.has_content THEN r.content END,
                        CASE WHEN r.has_type THEN r.number_type END, CASE WHEN r.has_group THEN r.window_group END
                    FROM unnest(
                        \(columns.row)::bigint[], \(columns.line)::bigint[], \(columns.phone)::text[], \(columns.e164)::bigint[],
                        \(columns.status)::text[], \(columns.reason)::text[], \(columns.content)::text[],
                        \(columns.numberType)::text[], \(columns.windowGroup)::text[],
                        \(columns.hasE164)::boolean[], \(columns.hasReason)::boolean[], \(columns.hasContent)::boolean[],
                        \(columns.hasType)::boolean[], \(columns.hasGroup)::boolean[])
                        AS r(row, line, phone, e164, status, reason, content, number_type, window_group,
                            has_e164, has_reason, has_content, has_type, has_group)
                    ON CONFLICT (job_id, row) DO NOTHING
                    RETURNING 1)
                SELECT count(*) FROM inserted
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            try await connection.query(
                """
                UPDATE job SET ingest_offset = \(offset), ingest_line = \(line), ingest_rows = \(rowCount), updated_at = \(now)
                WHERE id = \(jobID)
                """, logger: logger)
            return inserted
        }
    }

    /// Replaces the job's suppression list with `numbers` (duplicates ignored), in one transaction.
    public func storeSuppression(jobID: Int64, numbers: some Sequence<UInt64>) async throws {
        let values = numbers.map { Int64($0) }
        try await transaction { connection in
            try await connection.query("DELETE FROM suppression WHERE job_id = \(jobID)", logger: logger)
            try await connection.query(
                """
                INSERT INTO suppression (job_id, e164) SELECT \(jobID), e164 FROM unnest(\(values)::bigint[]) AS s(e164)
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    /// Moves the job to `planned` and returns the requests its pending rows make, as `IngestWriter.complete`
    /// does. Counts them from the stored rows (for a job that groups texts, a scan of its pending rows by
    /// text): several hosts may have stored them, so no one host's tally is the job's.
    public func completeIngest(jobID: Int64, now: Double) async throws -> RequestCount {
        // The planner's statistics of the rows just stored, before the cut joins them: with the table's
        // last statistics taken while it was small (a new database, a first big job) the cut's
        // `UPDATE … FROM planned` ran as a nested loop over a sequential scan, 12 to 24 s for 10,000 rows
        // of a 60,000-row table instead of 0.1 s (measured with scripts/bench-hosts). Autovacuum's own
        // analyze comes only later, and only after enough rows changed.
        // SKIP_LOCKED: never wait behind a VACUUM or another host's ANALYZE (their statistics serve as well).
        _ = try await serially { connection in try await connection.query("ANALYZE (SKIP_LOCKED) recipient, chunk", logger: logger) }
        return try await transaction { connection in
            try await connection.query(
                "UPDATE job SET phase = \(JobPhase.planned.rawValue), updated_at = \(now) WHERE id = \(jobID)", logger: logger)
            let pending = try await connection.query(
                "SELECT count(*) FROM recipient WHERE job_id = \(jobID) AND status = 'pending'", logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            return try await uncutRequests(jobID: jobID, uncut: pending, on: connection)
        }
    }
}

/// A batch of `IngestRow`s as one array per `recipient` column (what `unnest` takes), with presence flags
/// for the nullable ones.
private struct IngestColumns {
    var row: [Int64] = [], line: [Int64] = [], phone: [String] = [], e164: [Int64] = [], status: [String] = []
    var reason: [String] = [], content: [String] = [], numberType: [String] = [], windowGroup: [String] = []
    var hasE164: [Bool] = [], hasReason: [Bool] = [], hasContent: [Bool] = [], hasType: [Bool] = [], hasGroup: [Bool] = []

    init(_ rows: [IngestRow]) {
        for row in rows {
            self.row.append(Int64(row.row))
            line.append(Int64(row.line))
            phone.append(row.phone)
            e164.append(row.e164.map { Int64($0) } ?? 0)
            hasE164.append(row.e164 != nil)
            status.append(row.status.rawValue)
            reason.append(row.reason ?? "")
            hasReason.append(row.reason != nil)
            content.append(row.content ?? "")
            hasContent.append(row.content != nil)
            // The type's one-byte code as text, as the SQLite state stores it (a TEXT column given an integer).
            numberType.append(row.numberType.map { String($0.code) } ?? "")
            hasType.append(row.numberType != nil)
            windowGroup.append(row.windowGroup ?? "")
            hasGroup.append(row.windowGroup != nil)
        }
    }
}
