/// Writes a job's rows into the state as they are read, each with its final status and chunk.
///
/// The caller has already settled duplicates and suppression; the writer cuts the pending rows into chunks
/// of `chunkSize` in row order as they arrive. Rows are stored once, in multi-row INSERTs, and the chunk rows they fill are created
/// in the same transaction, so nothing is rewritten afterwards: numbering a million stored rows' chunks with
/// an UPDATE cost more than the whole ingest does now (docs/performance.md).
///
/// Crash safety: each batch, its chunk rows and the reader position commit together (`INSERT OR IGNORE`
/// guards the primary key should a batch ever be replayed), and a new writer on the same job derives where
/// numbering continues from what was committed.
/// Not thread-safe: one owner (the ingest's writer side).
public final class IngestWriter {
    let store: StateStore
    let jobID: Int64
    let kind: ChunkKind
    let chunkSize: Int
    /// Usable, not suppressed rows given a chunk so far (all runs): the next one goes to `assigned / chunkSize`.
    private var assigned: Int
    /// Rows by status written by this writer (not earlier runs).
    public private(set) var written: [RecipientStatus: Int] = [:]

    private let insertMany: SQLiteStatement
    private let insertOne: SQLiteStatement
    private let insertChunks: SQLiteStatement
    private let savePosition: SQLiteStatement

    /// Rows per multi-row INSERT: one statement step per 64 rows instead of per row.
    static let rowsPerInsert = 64
    static let columns = "(job_id, row, line, phone, e164, status, reason, content, chunk)"
    static let placeholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// Prepares a writer for `jobID`, continuing the chunk numbering of rows already stored.
    public init(store: StateStore, jobID: Int64, kind: ChunkKind, chunkSize: Int) throws {
        self.store = store
        self.jobID = jobID
        self.kind = kind
        self.chunkSize = kind == .single ? 1 : max(1, chunkSize)
        let db = store.database
        assigned = Int(try db.scalar(
            "SELECT count(*) FROM recipient WHERE job_id = ? AND chunk IS NOT NULL", [.int(jobID)]))
        let many = Array(repeating: Self.placeholders, count: Self.rowsPerInsert).joined(separator: ", ")
        insertMany = try db.prepare("INSERT OR IGNORE INTO recipient \(Self.columns) VALUES \(many)")
        insertOne = try db.prepare("INSERT OR IGNORE INTO recipient \(Self.columns) VALUES \(Self.placeholders)")
        // Consecutive chunk numbers [?2, ?3) of one size, in one statement.
        insertChunks = try db.prepare(
            """
            WITH RECURSIVE s(n) AS (SELECT ?2 WHERE ?2 < ?3 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < ?3)
            INSERT INTO chunk (job_id, seq, kind, state, size, updated_at)
            SELECT ?1, n, ?4, 'pending', ?5, ?6 FROM s
            """)
        savePosition = try db.prepare(
            "UPDATE job SET ingest_offset = ?, ingest_line = ?, ingest_rows = ?, updated_at = ? WHERE id = ?")
    }

    /// Stores `rows` (with their final status), the chunks they complete, and the reader
    /// position after them, in one transaction.
    public func write(_ rows: [IngestRow], offset: Int64, line: Int, rowCount: Int) throws {
        let db = store.database
        try db.execute("PRAGMA synchronous = OFF")
        defer { try? db.execute("PRAGMA synchronous = FULL") }
        let before = assigned
        try db.transaction {
            var index = 0
            while rows.count - index >= Self.rowsPerInsert {
                for k in 0..<Self.rowsPerInsert { bind(rows[index + k], to: insertMany, base: Int32(k * 9)) }
                try insertMany.execute()
                index += Self.rowsPerInsert
            }
            while index < rows.count {
                bind(rows[index], to: insertOne, base: 0)
                try insertOne.execute()
                index += 1
            }
            // Chunks filled by this batch (the last, partial one is created by `complete`).
            try addChunks(from: before / chunkSize, to: assigned / chunkSize, size: chunkSize)
            savePosition.bind(int: offset, at: 1)
            savePosition.bind(int: Int64(line), at: 2)
            savePosition.bind(int: Int64(rowCount), at: 3)
            try savePosition.bind(.double(StateStore.now()), at: 4)
            savePosition.bind(int: jobID, at: 5)
            try savePosition.execute()
        }
        for row in rows { written[row.status, default: 0] += 1 }
    }

    @inline(__always)
    private func bind(_ row: IngestRow, to statement: SQLiteStatement, base: Int32) {
        statement.bind(int: jobID, at: base + 1)
        statement.bind(int: Int64(row.row), at: base + 2)
        statement.bind(int: Int64(row.line), at: base + 3)
        statement.bind(text: row.phone, at: base + 4)
        if let e164 = row.e164 { statement.bind(int: Int64(e164), at: base + 5) } else { statement.bind(text: nil, at: base + 5) }
        statement.bind(text: row.status.rawValue, at: base + 6)
        statement.bind(text: row.reason, at: base + 7)
        statement.bind(text: row.content, at: base + 8)
        if row.status == .pending {
            statement.bind(int: Int64(assigned / chunkSize), at: base + 9)
            assigned += 1
        } else {
            statement.bind(text: nil, at: base + 9)
        }
    }

    private func addChunks(from first: Int, to end: Int, size: Int) throws {
        guard end > first else { return }
        insertChunks.bind(int: jobID, at: 1)
        insertChunks.bind(int: Int64(first), at: 2)
        insertChunks.bind(int: Int64(end), at: 3)
        insertChunks.bind(text: kind.rawValue, at: 4)
        insertChunks.bind(int: Int64(size), at: 5)
        try insertChunks.bind(.double(StateStore.now()), at: 6)
        try insertChunks.execute()
    }

    /// Creates the last, partial chunk and moves the job to `planned`, in one transaction. Returns the
    /// number of chunks.
    public func complete() throws -> Int {
        let db = store.database
        return try db.transaction {
            let partial = assigned % chunkSize
            if partial > 0 { try addChunks(from: assigned / chunkSize, to: assigned / chunkSize + 1, size: partial) }
            try db.run("UPDATE job SET phase = 'planned', updated_at = ? WHERE id = ?", [.double(StateStore.now()), .int(jobID)])
            return Int(try db.scalar("SELECT count(*) FROM chunk WHERE job_id = ?", [.int(jobID)]))
        }
    }
}

extension StateStore {
    /// Counts computed while ingesting, as `counts(jobID:)` would return them right after planning.
    public func plannedCounts(rows: [RecipientStatus: Int], chunks: Int) -> JobCounts {
        var recipients: [String: Int] = [:]
        for (status, count) in rows where count > 0 { recipients[status.rawValue] = count }
        return JobCounts(
            rows: rows.values.reduce(0, +), recipients: recipients, chunks: chunks > 0 ? ["pending": chunks] : [:],
            openChunks: chunks)
    }
}
