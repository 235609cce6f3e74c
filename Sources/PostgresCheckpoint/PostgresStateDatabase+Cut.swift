import Checkpoint
import PostgresNIO

extension PostgresStateDatabase {
    /// Cuts the next pending rows without a chunk into new pending chunks numbered after the last one, and
    /// moves `cut_row` past them: `StateStore.cutChunks`, with the same chunks (numbers, members, sizes,
    /// kinds, window groups) for the same rows. Returns the number of chunks cut: 0 when every pending row
    /// has one.
    ///
    /// - A job that groups texts cuts every pending row at once by (window group, text) (`CutPlan.textGroups`).
    /// - A batch job cut `grouped` (it has a send window) cuts every pending row at once by window group, so
    ///   each group's chunks are whole.
    /// - Otherwise the next rows in row order, about `recipients` of them (whole chunks of the job's size),
    ///   each window group's rows in chunks of their own.
    ///
    /// Each is one statement over the rows (window functions plan every row's chunk; the chunk rows and the
    /// rows' chunk numbers are written from that plan by `INSERT … SELECT` and `UPDATE … FROM`), so the cost
    /// is a few sorts and one pass, whatever the number of texts. The job row is locked first (`FOR
    /// UPDATE`): two hosts cutting the same job take turns, and the second one plans from what the first
    /// committed, so no row gets two chunks and no number is taken twice. One transaction: a crash leaves
    /// the rows uncut or the chunks whole, and a chunk is `pending` with no body, so cutting sends nothing.
    public func cutChunks(jobID: Int64, recipients: Int = 10_000, grouped: Bool = false, now: Double) async throws -> Int {
        try await transaction { connection in
            guard let (stored, storedSize, cursor, groupsTexts) = try await connection.query(
                "SELECT chunk_kind, chunk_size, cut_row, text_groups FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger
            ).decode((String?, Int, Int, Int).self).collectFirst()
            else { return 0 }
            let size = max(1, storedSize)
            if groupsTexts != 0 {
                return try await cut(jobID: jobID, after: cursor, size: size, kind: .single, plan: .textGroups, limit: nil, now: now, on: connection)
            }
            guard let stored else {
                // Nothing to cut only if no pending row waits for a chunk; otherwise answering 0 would end the
                // send with those rows silently unsent.
                let waiting = try await connection.query(
                    "SELECT count(*) FROM recipient WHERE job_id = \(jobID) AND status = 'pending' AND chunk IS NULL", logger: logger
                ).decode(Int.self).collectFirst() ?? 0
                guard waiting == 0 else { throw PostgresStateError(.noChunkKind(jobID: jobID, waiting: waiting)) }
                return 0
            }
            guard let kind = ChunkKind(rawValue: stored) else {
                throw PostgresStateError(.unreadableValue(table: "job", column: "chunk_kind", value: stored))
            }
            // Every row at once for a grouped batch job, so no group is left with a partial chunk.
            let limit: Int? = grouped && kind == .batch ? nil : max(size, recipients / size * size)
            return try await cut(jobID: jobID, after: cursor, size: size, kind: kind, plan: .windowGroups, limit: limit, now: now, on: connection)
        }
    }

    /// Cuts the pending uncut rows after `cursor` (the first `limit` of them in row order; all when nil) as
    /// `plan` says, in `cutChunks`'s transaction. Throws `rowsNotAssigned`, rolling the cut back, unless
    /// every planned row got its chunk (otherwise rows below the new cursor would be left without one).
    private func cut(
        jobID: Int64, after cursor: Int, size: Int, kind: ChunkKind, plan: CutPlan, limit: Int?, now: Double,
        on connection: PostgresConnection
    ) async throws -> Int {
        // `todo`: the rows to cut with the job's chunk size and kind, the only inputs of the plans, which are
        // fixed SQL; `planned`: every row's chunk number, numbered after the job's last chunk.
        let result = try await connection.query(
            """
            WITH todo AS MATERIALIZED (
                SELECT row, window_group, content, \(size)::bigint AS size, \(kind.rawValue)::text AS job_kind FROM recipient
                WHERE job_id = \(jobID) AND row > \(cursor) AND status = 'pending' AND chunk IS NULL
                ORDER BY row LIMIT \(limit)),
            planned AS MATERIALIZED (
                SELECT row, window_group, kind,
                    n - 1 + (SELECT coalesce(max(seq), -1) + 1 FROM chunk WHERE job_id = \(jobID)) AS seq
                FROM (\(unescaped: plan.sql)) AS numbered),
            made AS (
                INSERT INTO chunk (job_id, seq, kind, state, size, window_group, updated_at)
                SELECT \(jobID), seq, min(kind), 'pending', count(*), min(window_group), \(now) FROM planned GROUP BY seq
                RETURNING seq),
            assigned AS (
                UPDATE recipient SET chunk = planned.seq FROM planned
                WHERE recipient.job_id = \(jobID) AND recipient.row = planned.row AND recipient.status = 'pending'
                    AND recipient.chunk IS NULL
                RETURNING recipient.row)
            SELECT (SELECT count(*) FROM made), (SELECT count(*) FROM assigned), (SELECT count(*) FROM planned),
                (SELECT max(row) FROM planned)
            """, logger: logger
        ).decode((Int, Int, Int, Int?).self).collectFirst()
        guard let (cut, assigned, planned, last) = result, let last else { return 0 }
        guard assigned == planned else {
            throw PostgresStateError(.rowsNotAssigned(jobID: jobID, planned: planned, assigned: assigned))
        }
        try await connection.query("UPDATE job SET cut_row = \(last) WHERE id = \(jobID)", logger: logger)
        return cut
    }
}

/// How `cutChunks` numbers the rows it cuts: a query over `todo` (row, window_group, content, size,
/// job_kind) giving each row its window group, its chunk's number among the new chunks (`n`, from 1, in
/// the order they are to be sent) and the chunk's kind. The same SQL as the SQLite state's plans, so the
/// same rows give the same chunks in both.
enum CutPlan {
    /// Each window group's rows, in row order, in whole chunks of `size` (its last one smaller); chunks
    /// numbered by their first row. Rows without a group form one group.
    case windowGroups
    /// A job that groups texts: each (window group, text)'s rows in `ChunkKind.textGroupSizes` chunks —
    /// `part` is that split row by row — a chunk of one being a single message. Texts in the order of
    /// their first row, each text's rows in row order, so a job whose texts all differ cuts one chunk per
    /// row in row order.
    case textGroups

    var sql: String {
        switch self {
        case .windowGroups:
            """
            SELECT row, window_group, dense_rank() OVER (ORDER BY chunk_first) AS n, job_kind AS kind FROM (
                SELECT row, window_group, job_kind, min(row) OVER (PARTITION BY window_group, part) AS chunk_first FROM (
                    SELECT row, window_group, job_kind, (row_number() OVER (PARTITION BY window_group ORDER BY row) - 1) / size AS part
                    FROM todo) AS parted) AS firsts
            """
        case .textGroups:
            """
            SELECT row, window_group, dense_rank() OVER (ORDER BY text_first, part) AS n,
                CASE WHEN (CASE WHEN part < larger THEN base + 1 ELSE base END) = 1 THEN 'single' ELSE 'batch' END AS kind FROM (
                SELECT row, window_group, text_first, base, larger,
                    CASE WHEN r < larger * (base + 1) THEN r / (base + 1) ELSE larger + (r - larger * (base + 1)) / base END AS part
                FROM (
                    SELECT row, window_group, text_first, r, c / ((c + size - 1) / size) AS base, c % ((c + size - 1) / size) AS larger
                    FROM (
                        SELECT row, window_group, size, min(row) OVER text_group AS text_first, count(*) OVER text_group AS c,
                            row_number() OVER text_group - 1 AS r
                        FROM todo
                        -- One sort for all three: the frame is the whole text, in row order.
                        WINDOW text_group AS (PARTITION BY window_group, content ORDER BY row
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS counted) AS sized) AS parted
            """
        }
    }
}
