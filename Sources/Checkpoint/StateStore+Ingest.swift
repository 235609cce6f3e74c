/// One row on its way into the state.
public struct IngestRow: Sendable {
    /// 1-based data row.
    public var row: Int
    /// Physical line where it starts.
    public var line: Int
    /// The phone cell as read.
    public var phone: String
    /// E.164 digits when the number is valid.
    public var e164: UInt64?
    /// `pending` for usable rows, `invalid` otherwise.
    public var status: RecipientStatus
    /// Why it is invalid.
    public var reason: String?
    /// The rendered text, for personalised messages.
    public var content: String?

    /// Creates a row.
    public init(row: Int, line: Int, phone: String, e164: UInt64?, status: RecipientStatus, reason: String?, content: String?) {
        self.row = row
        self.line = line
        self.phone = phone
        self.e164 = e164
        self.status = status
        self.reason = reason
        self.content = content
    }
}

extension StateStore {
    /// Stores `rows` and the position after them in one transaction.
    ///
    /// Rows and position commit together, so after a crash ingest continues exactly after the last
    /// committed row: nothing is read twice into the state and nothing is skipped. `INSERT OR IGNORE`
    /// guards the primary key should a caller ever replay a batch.
    public func storeIngestBatch(jobID: Int64, rows: [IngestRow], offset: Int64, line: Int, rowCount: Int) throws {
        try database.execute("PRAGMA synchronous = OFF")
        defer { try? database.execute("PRAGMA synchronous = FULL") }
        try database.transaction {
            let insert = try database.cached(
                """
                INSERT OR IGNORE INTO recipient (job_id, row, line, phone, e164, status, reason, content)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            insert.bind(int: jobID, at: 1)
            for row in rows {
                insert.bind(int: Int64(row.row), at: 2)
                insert.bind(int: Int64(row.line), at: 3)
                insert.bind(text: row.phone, at: 4)
                if let e164 = row.e164 { insert.bind(int: Int64(e164), at: 5) } else { try insert.bind(.null, at: 5) }
                insert.bind(text: row.status.rawValue, at: 6)
                insert.bind(text: row.reason, at: 7)
                insert.bind(text: row.content, at: 8)
                try insert.execute()
            }
            try database.run(
                "UPDATE job SET ingest_offset = ?, ingest_line = ?, ingest_rows = ?, updated_at = ? WHERE id = ?",
                [.int(offset), .int(line), .int(rowCount), .double(Self.now()), .int(jobID)])
        }
    }

    /// Stores the suppression list's numbers for a job (replacing any earlier list).
    public func storeSuppression(jobID: Int64, numbers: some Sequence<UInt64>) throws {
        try database.transaction {
            try database.run("DELETE FROM suppression WHERE job_id = ?", [.int(jobID)])
            let insert = try database.cached("INSERT OR IGNORE INTO suppression (job_id, e164) VALUES (?, ?)")
            for number in numbers {
                insert.bind(int: jobID, at: 1)
                insert.bind(int: Int64(number), at: 2)
                try insert.execute()
            }
        }
    }

    /// Marks duplicates and suppressed rows, cuts the pending rows into chunks, and moves the job to
    /// `planned`, all in one transaction.
    ///
    /// Set-based SQL rather than an in-memory set: SQLite sorts on disk when it must, so memory stays
    /// flat however many millions of rows the job has. First row wins a duplicate.
    public func plan(jobID: Int64, chunkSize: Int, kind: ChunkKind) throws -> Int {
        try database.transaction {
            let job: SQLiteValue = .int(jobID)
            let now: SQLiteValue = .double(Self.now())
            try database.run(
                """
                UPDATE recipient SET status = 'duplicate',
                    reason = 'duplicate of row ' || d.first_row || ' (+' || recipient.e164 || ')', updated_at = ?
                FROM (SELECT row, first_value(row) OVER (PARTITION BY e164 ORDER BY row) AS first_row
                      FROM recipient WHERE job_id = ? AND status = 'pending') AS d
                WHERE recipient.job_id = ? AND recipient.row = d.row AND d.first_row <> d.row
                """, [now, job, job])
            try database.run(
                """
                UPDATE recipient SET status = 'suppressed', reason = 'on the suppression list', updated_at = ?
                WHERE job_id = ? AND status = 'pending'
                  AND e164 IN (SELECT e164 FROM suppression WHERE job_id = ?)
                """, [now, job, job])
            let size = kind == .single ? 1 : max(1, chunkSize)
            try database.run(
                """
                UPDATE recipient SET chunk = (o.n - 1) / ?
                FROM (SELECT row, row_number() OVER (ORDER BY row) AS n
                      FROM recipient WHERE job_id = ? AND status = 'pending') AS o
                WHERE recipient.job_id = ? AND recipient.row = o.row
                """, [.int(size), job, job])
            try database.run(
                """
                INSERT INTO chunk (job_id, seq, kind, state, size, updated_at)
                SELECT ?, chunk, ?, 'pending', count(*), ? FROM recipient
                WHERE job_id = ? AND chunk IS NOT NULL GROUP BY chunk ORDER BY chunk
                """, [job, .text(kind.rawValue), now, job])
            try database.run(
                "UPDATE job SET phase = 'planned', updated_at = ? WHERE id = ?", [now, job])
            return Int(try database.scalar("SELECT count(*) FROM chunk WHERE job_id = ?", [job]))
        }
    }
}
