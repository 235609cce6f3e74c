import Recipients
import SQLite

extension SQLiteStateStore {
    /// Forgets everything a job read from its CSV, so that ingest starts again on a replaced file.
    ///
    /// Only for a job still `ingesting`: nothing is sent before the plan exists, so nothing sent is lost.
    /// One transaction. Any other job throws `StateStoreError` (`.ingestRestartRefused`).
    public func restartIngest(jobID: Int64, inputFingerprint: String) throws {
        try database.transaction {
            let job: SQLiteValue = .int(jobID)
            let phase = try database.first("SELECT phase FROM job WHERE id = ?", [job]) { $0.text(0) }
            guard phase == JobPhase.ingesting.rawValue,
                  try database.scalar("SELECT count(*) FROM attempt WHERE job_id = ?", [job]) == 0
            else {
                throw StateStoreError(.ingestRestartRefused(jobID: jobID), path: path)
            }
            try database.run("DELETE FROM chunk WHERE job_id = ?", [job])
            try database.run("DELETE FROM recipient WHERE job_id = ?", [job])
            try database.run("DELETE FROM suppression WHERE job_id = ?", [job])
            try database.run(
                """
                UPDATE job SET ingest_offset = 0, ingest_line = 0, ingest_rows = 0, cut_row = 0, header = '[]', input_fingerprint = ?,
                    updated_at = ? WHERE id = ?
                """, [.text(inputFingerprint), .double(clock.now()), job])
        }
    }

    /// The number of the last data row stored for a job (0 when none).
    public func lastRow(jobID: Int64) throws -> Int {
        Int(try database.scalar("SELECT coalesce(max(row), 0) FROM recipient WHERE job_id = ?", [.int(jobID)]))
    }

    /// Appends the rows of a changed input to a planned or complete job, records the input's new
    /// fingerprint and moves the job back to `planned`, in one transaction: a crash half-way leaves the
    /// job as it was. Returns how many new recipients were queued.
    ///
    /// `read` is called once, with the number of the job's last stored row and a function that stores a
    /// batch of rows; it numbers the new rows after that one. A usable row whose number the job already has
    /// (sent, queued, in flight or rejected — any row that was or will be sent) is stored as `duplicate`,
    /// one on the suppression list as `suppressed`, so only numbers new to the job are queued. The new rows
    /// come after every stored row, so the sender cuts them into chunks after the job's other pending rows.
    public func appendChangedInput(
        jobID: Int64, inputFingerprint: String,
        read: (_ lastRow: Int, _ store: (_ rows: [IngestRow]) throws -> Void) throws -> Void
    ) throws -> Int {
        // The look-up's index: only jobs whose input changed pay for it.
        try database.execute(
            "CREATE INDEX IF NOT EXISTS recipient_e164 ON recipient(job_id, e164) WHERE e164 IS NOT NULL")
        return try database.transaction {
            var queued = 0
            try read(try lastRow(jobID: jobID)) { rows in queued += try appendChangedRows(jobID: jobID, rows: rows) }
            try setPhase(jobID: jobID, .planned)
            try setInputFingerprint(jobID: jobID, inputFingerprint)
            return queued
        }
    }

    /// Stores rows of a changed input (inside `appendChangedInput`'s transaction). Returns how many were queued.
    private func appendChangedRows(jobID: Int64, rows: [IngestRow]) throws -> Int {
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
                if row.settleAgainstJob(firstRow: first, suppressed: isSuppressed) { queued += 1 }
            }
            try database.run(
                """
                INSERT INTO recipient (job_id, row, line, phone, e164, status, reason, content, number_type, window_group, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.int(jobID), .int(row.row), .int(row.line), .text(row.phone), row.e164.map { .int(Int64($0)) } ?? .null,
                 .text(row.status.rawValue), .optional(row.reason), .optional(row.content), .optional(row.numberType.map { Int($0.code) }),
                 .optional(row.windowGroup), .double(clock.now())])
        }
        return queued
    }
}

extension IngestRow {
    /// Settles a usable row of a changed input against the job it joins (both state backends): a
    /// duplicate of `firstRow`, the job's row with its number, when there is one; else suppressed when its
    /// number is on the list; else it stays pending and the call returns true (one more row queued).
    public mutating func settleAgainstJob(firstRow: Int?, suppressed: Bool) -> Bool {
        if let firstRow {
            status = .duplicate
            reason = "already in this job: row \(firstRow) (+\(e164.map(String.init) ?? "?"))"
            return false
        }
        if suppressed {
            status = .suppressed
            reason = "on the suppression list"
            return false
        }
        return true
    }
}
