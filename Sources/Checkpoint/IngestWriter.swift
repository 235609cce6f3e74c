import Recipients
import SQLite

/// Writes a job's rows into the state as they are read, each with its final status, then plans the job.
///
/// Rows are stored once, in multi-row INSERTs, one B-tree entry each: no chunk yet, nothing rewritten
/// afterwards. Chunks are cut from the pending rows when the sender needs them (`StateStore.cutChunks`),
/// because a personalised text makes one chunk per recipient and writing those rows here cost more than
/// the rest of ingest (docs/performance.md).
///
/// Crash safety: each batch and the reader position after it commit together (`INSERT OR IGNORE` guards
/// the primary key should a batch ever be replayed); a job killed while reading is still `ingesting` and
/// its next run continues after the last committed batch.
/// Not thread-safe: one owner (the ingest's writer side).
public final class IngestWriter {
    let store: SQLiteStateStore
    let jobID: Int64
    /// Recipients per chunk (per batch, for a job that groups texts).
    public let chunkSize: Int
    /// Whether rows with the same text share batches (`StateStore.cutChunks`).
    public let groupsTexts: Bool
    /// Whether rows of this job were stored before this writer (a resumed ingest).
    let resumed: Bool
    /// Rows by status written by this writer (not earlier runs).
    public private(set) var written: [RecipientStatus: Int] = [:]

    private let insertMany: SQLiteStatement
    private let insertOne: SQLiteStatement
    private let savePosition: SQLiteStatement

    /// Rows per multi-row INSERT: one statement step per 64 rows instead of per row.
    static let rowsPerInsert = 64
    static let columns = "(job_id, row, line, phone, e164, status, reason, content, number_type, window_group)"
    static let placeholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    static let columnCount: Int32 = 10

    /// Prepares a writer for `jobID` and records how its pending rows will be cut into chunks: `chunkSize`
    /// per batch for `.batch`; for `.single` (personalised texts), rows with the same text in batches of
    /// `chunkSize` and texts that occur once as single messages (`groupsTexts`, every new job), or one
    /// message per recipient (a job begun before grouping, resumed: it keeps cutting as it began).
    public init(store: SQLiteStateStore, jobID: Int64, kind: ChunkKind, chunkSize: Int, groupsTexts: Bool = true) throws {
        self.store = store
        self.jobID = jobID
        let db = store.database
        resumed = try db.scalar("SELECT EXISTS (SELECT 1 FROM recipient WHERE job_id = ?)", [.int(jobID)]) != 0
        // A resumed ingest keeps what its first run recorded.
        let recorded = try db.first("SELECT chunk_kind, text_groups FROM job WHERE id = ?", [.int(jobID)]) {
            ($0.optionalText(0), $0.int(1) != 0)
        }
        let grouping = kind == .single && (recorded?.0 == nil ? groupsTexts : recorded?.1 ?? false)
        self.groupsTexts = grouping
        self.chunkSize = grouping ? max(1, chunkSize) : kind.recipientsPerChunk(configured: chunkSize)
        try db.run(
            "UPDATE job SET chunk_kind = ?, chunk_size = ?, text_groups = ? WHERE id = ?",
            [.text(kind.rawValue), .int(self.chunkSize), .int(grouping ? 1 : 0), .int(jobID)])
        let many = Array(repeating: Self.placeholders, count: Self.rowsPerInsert).joined(separator: ", ")
        insertMany = try db.prepare("INSERT OR IGNORE INTO recipient \(Self.columns) VALUES \(many)")
        insertOne = try db.prepare("INSERT OR IGNORE INTO recipient \(Self.columns) VALUES \(Self.placeholders)")
        savePosition = try db.prepare(
            "UPDATE job SET ingest_offset = ?, ingest_line = ?, ingest_rows = ?, updated_at = ? WHERE id = ?")
    }

    /// Stores `rows` and the reader position after them, in one transaction.
    public func write(_ rows: [IngestRow], offset: Int64, line: Int, rowCount: Int) throws {
        let db = store.database
        // NORMAL, never OFF: in WAL mode a power cut may lose the last ingest commits (re-read from the
        // committed CSV position) but never corrupts the file or loses another job's committed records.
        try db.execute("PRAGMA synchronous = NORMAL")
        defer { try? db.execute("PRAGMA synchronous = FULL") }
        var tally = [Int](repeating: 0, count: RecipientStatus.allCases.count)
        try db.transaction {
            try rows.withUnsafeBufferPointer { rows in
                var index = 0
                while rows.count - index >= Self.rowsPerInsert {
                    for k in 0..<Self.rowsPerInsert {
                        bind(rows[index + k], to: insertMany, base: Int32(k) * Self.columnCount, tally: &tally)
                    }
                    try insertMany.execute()
                    index += Self.rowsPerInsert
                }
                while index < rows.count {
                    bind(rows[index], to: insertOne, base: 0, tally: &tally)
                    try insertOne.execute()
                    index += 1
                }
            }
            savePosition.bind(int: offset, at: 1)
            savePosition.bind(int: Int64(line), at: 2)
            savePosition.bind(int: Int64(rowCount), at: 3)
            try savePosition.bind(.double(store.clock.now()), at: 4)
            savePosition.bind(int: jobID, at: 5)
            try savePosition.execute()
        }
        for (status, count) in zip(RecipientStatus.allCases, tally) where count > 0 { written[status, default: 0] += count }
    }

    @inline(__always)
    private func bind(_ row: borrowing IngestRow, to statement: SQLiteStatement, base: Int32, tally: inout [Int]) {
        tally[row.status.ordinal] += 1
        statement.bind(int: jobID, at: base + 1)
        statement.bind(int: Int64(row.row), at: base + 2)
        statement.bind(int: Int64(row.line), at: base + 3)
        statement.bind(text: row.phone, at: base + 4)
        if let e164 = row.e164 { statement.bind(int: Int64(e164), at: base + 5) } else { statement.bind(text: nil, at: base + 5) }
        statement.bind(text: row.status.rawValue, at: base + 6)
        statement.bind(text: row.reason, at: base + 7)
        statement.bind(text: row.content, at: base + 8)
        // The type's one-byte code, not its name: a text per row cost ingest measurably (docs/performance.md).
        if let type = row.numberType { statement.bind(int: Int64(type.code), at: base + 9) } else { statement.bind(text: nil, at: base + 9) }
        statement.bind(text: row.windowGroup, at: base + 10)
    }

    /// Moves the job to `planned` and returns the requests its pending rows make. `textGroups`: those
    /// requests as counted while reading (a job that groups texts, read in one go); nil to count them here.
    public func complete(textGroups: RequestCount? = nil) throws -> RequestCount {
        let db = store.database
        return try db.transaction {
            try db.run("UPDATE job SET phase = 'planned', updated_at = ? WHERE id = ?", [.double(store.clock.now()), .int(jobID)])
            let pending = resumed
                ? Int(try db.scalar("SELECT count(*) FROM recipient WHERE job_id = ? AND status = 'pending'", [.int(jobID)]))
                : written[.pending] ?? 0
            if groupsTexts, let textGroups, !resumed { return textGroups }
            return try store.uncutRequests(jobID: jobID, uncut: pending)
        }
    }
}

extension SQLiteStateStore {
    /// Counts computed while ingesting, as `counts(jobID:)` would return them right after planning.
    public func plannedCounts(rows: [RecipientStatus: Int], requests: RequestCount) -> JobCounts {
        JobCounts.planned(rows: rows, requests: requests)
    }
}

extension IngestWriter: IngestSink {}

extension RecipientStatus {
    /// Position in `allCases`, for counting without hashing.
    var ordinal: Int {
        switch self {
        case .pending: 0
        case .sent: 1
        case .invalid: 2
        case .duplicate: 3
        case .suppressed: 4
        case .rejected: 5
        case .expired: 6
        }
    }
}
