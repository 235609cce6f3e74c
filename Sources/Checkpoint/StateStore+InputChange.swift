extension StateStore {
    /// Forgets everything a job read from its CSV, so that ingest starts again on a replaced file.
    ///
    /// Only for a job still `ingesting`: nothing is sent before the plan exists, so nothing sent is lost.
    public func restartIngest(jobID: Int64, inputFingerprint: String) throws {
        try database.transaction {
            let job: SQLiteValue = .int(jobID)
            let phase = try database.first("SELECT phase FROM job WHERE id = ?", [job]) { $0.text(0) }
            guard phase == JobPhase.ingesting.rawValue,
                  try database.scalar("SELECT count(*) FROM attempt WHERE job_id = ?", [job]) == 0
            else {
                throw SQLiteError(code: 1, message: "restartIngest on a job that has sent", sql: nil, path: path)
            }
            try database.run("DELETE FROM chunk WHERE job_id = ?", [job])
            try database.run("DELETE FROM recipient WHERE job_id = ?", [job])
            try database.run("DELETE FROM suppression WHERE job_id = ?", [job])
            try database.run(
                """
                UPDATE job SET ingest_offset = 0, ingest_line = 0, ingest_rows = 0, header = '[]', input_fingerprint = ?,
                    updated_at = ? WHERE id = ?
                """, [.text(inputFingerprint), .double(Self.now()), job])
        }
    }

    /// The number of the last data row stored for a job (0 when none).
    public func lastRow(jobID: Int64) throws -> Int {
        Int(try database.scalar("SELECT coalesce(max(row), 0) FROM recipient WHERE job_id = ?", [.int(jobID)]))
    }

    /// Appends rows of a changed input to a planned job: a usable row whose number the job already has
    /// (sent, queued, in flight or rejected — any row that was or will be sent) is stored as `duplicate`,
    /// so only numbers new to the job are added. Returns how many new recipients were queued.
    ///
    /// Call inside one transaction with `cutUnassignedChunks` and the new fingerprint, so that a crash
    /// half-way leaves the job as it was. The look-up needs `prepareForChangedInput()` first.
    public func appendChangedInput(jobID: Int64, rows: [IngestRow]) throws -> Int {
        do {
            var queued = 0
            let known = try database.cached(
                """
                SELECT row FROM recipient WHERE job_id = ? AND e164 = ?
                  AND status IN ('pending', 'sent', 'rejected') ORDER BY row LIMIT 1
                """)
            let suppressed = try database.cached("SELECT 1 FROM suppression WHERE job_id = ? AND e164 = ?")
            for var row in rows {
                if let e164 = row.e164, row.status == .pending {
                    try known.bind([.int(jobID), .int(Int64(e164))])
                    let first = try known.step() ? known.row.int(0) : nil
                    known.reset()
                    try suppressed.bind([.int(jobID), .int(Int64(e164))])
                    let isSuppressed = try suppressed.step()
                    suppressed.reset()
                    if let first {
                        row.status = .duplicate
                        row.reason = "already in this job: row \(first) (+\(e164))"
                    } else if isSuppressed {
                        row.status = .suppressed
                        row.reason = "on the suppression list"
                    } else {
                        queued += 1
                    }
                }
                try database.run(
                    """
                    INSERT INTO recipient (job_id, row, line, phone, e164, status, reason, content, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.int(jobID), .int(row.row), .int(row.line), .text(row.phone), row.e164.map { .int(Int64($0)) } ?? .null,
                     .text(row.status.rawValue), .optional(row.reason), .optional(row.content), .double(Self.now())])
            }
            return queued
        }
    }

    /// Creates the index the changed-input look-up needs; only jobs whose input changed pay for it.
    public func prepareForChangedInput() throws {
        try database.execute(
            "CREATE INDEX IF NOT EXISTS recipient_e164 ON recipient(job_id, e164) WHERE e164 IS NOT NULL")
    }

    /// Cuts the job's pending rows that have no chunk yet into new chunks numbered after the last one,
    /// and moves the job back to `planned`. Returns the number of new chunks. Call inside a transaction.
    public func cutUnassignedChunks(jobID: Int64, chunkSize: Int, kind: ChunkKind) throws -> Int {
        do {
            let job: SQLiteValue = .int(jobID)
            let base = Int(try database.scalar("SELECT coalesce(max(seq), -1) + 1 FROM chunk WHERE job_id = ?", [job]))
            let size = kind == .single ? 1 : max(1, chunkSize)
            try database.run(
                """
                UPDATE recipient SET chunk = ? + (o.n - 1) / ?
                FROM (SELECT row, row_number() OVER (ORDER BY row) AS n FROM recipient
                      WHERE job_id = ? AND status = 'pending' AND chunk IS NULL) AS o
                WHERE recipient.job_id = ? AND recipient.row = o.row
                """, [.int(base), .int(size), job, job])
            try database.run(
                """
                INSERT INTO chunk (job_id, seq, kind, state, size, updated_at)
                SELECT ?, chunk, ?, 'pending', count(*), ? FROM recipient
                WHERE job_id = ? AND chunk >= ? GROUP BY chunk ORDER BY chunk
                """, [job, .text(kind.rawValue), .double(Self.now()), job, .int(base)])
            try database.run("UPDATE job SET phase = 'planned', updated_at = ? WHERE id = ?", [.double(Self.now()), job])
            return Int(try database.scalar("SELECT count(*) FROM chunk WHERE job_id = ? AND seq >= ?", [job, .int(base)]))
        }
    }
}
