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
    /// `plan` says, in `cutChunks`'s transaction; `kind` is the job's, which `CutPlan.windowGroups` gives every
    /// chunk (`CutPlan.textGroups` decides each chunk's kind by its size). Throws `rowsNotAssigned`, rolling the cut back, unless
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
