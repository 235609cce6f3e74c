@testable import Checkpoint
import Foundation
import PostgresCheckpoint
import PostgresNIO
import SQLite
import Testing

/// A wall clock the test moves: the SQLite store reads it, the PostgreSQL store is passed the same time.
final class SteppedClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double
    init(_ time: Double) { self.time = time }
    func now() -> Double { lock.withLock { time } }
    func set(_ time: Double) { lock.withLock { self.time = time } }
}

/// One job kept in both states, the SQLite file (`StateStore`) and PostgreSQL: every step is applied to
/// both at the same time, and `expectSameRows` compares what they stored, column by column.
///
/// The PostgreSQL side leases each chunk (`leaseNextChunk`, holder `host`) before its intent commit, as a
/// host will; the SQLite side needs no lease. Every step moves the clock one second, so the times that
/// both record are the same and are compared too.
final class Twin {
    let sqlite: SQLiteStateStore
    let postgres: PostgresStateDatabase
    let location: PostgresLocation
    let clock: SteppedClock
    let sqliteJob: Int64
    let postgresJob: Int64
    let host = "host-a"
    private(set) var now: Double

    private init(
        sqlite: SQLiteStateStore, postgres: PostgresStateDatabase, location: PostgresLocation, clock: SteppedClock, sqliteJob: Int64,
        postgresJob: Int64, now: Double
    ) {
        self.sqlite = sqlite
        self.postgres = postgres
        self.location = location
        self.clock = clock
        self.sqliteJob = sqliteJob
        self.postgresJob = postgresJob
        self.now = now
    }

    /// Creates the job in both (same name, settings, times), records how it cuts (`IngestWriter.init` /
    /// `beginIngest`), stores `rows` in batches of `batch` and completes the ingest; expects both to plan
    /// the same requests.
    static func make(
        path: String, postgres: PostgresStateDatabase, location: PostgresLocation, kind: ChunkKind, chunkSize: Int,
        rows: [IngestRow], batch: Int = 4, suppression: [UInt64] = [], groupsTexts: Bool = true
    ) async throws -> Twin {
        let clock = SteppedClock(1_000)
        let store = try SQLiteStateStore(path: path, clock: clock)
        let settings = JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: chunkSize)
        let job = try store.createJob(name: "spring", settings: settings, inputFingerprint: "fp")
        // The settings as the SQLite state stored them (JSONEncoder's key order varies between encodings).
        let settingsJSON = try store.database.first("SELECT settings FROM job WHERE id = ?", [.int(job.id)]) { $0.text(0) } ?? ""
        let postgresJob = try await postgres.createJob(
            name: "spring", uuid: job.uuid, settings: settingsJSON, inputFingerprint: "fp", now: 1_000)
        let twin = Twin(
            sqlite: store, postgres: postgres, location: location, clock: clock, sqliteJob: job.id, postgresJob: postgresJob, now: 1_000)
        try await twin.ingest(
            kind: kind, chunkSize: chunkSize, groupsTexts: groupsTexts, rows: rows, batch: batch, suppression: suppression)
        return twin
    }

    /// The next second, on both clocks.
    @discardableResult
    func tick() -> Double {
        now += 1
        clock.set(now)
        return now
    }

    /// Stores `rows` in both as one ingest (suppression, `IngestWriter` / `beginIngest`, batches, completion).
    func ingest(
        kind: ChunkKind, chunkSize: Int, groupsTexts: Bool, rows: [IngestRow], batch: Int, suppression: [UInt64]
    ) async throws {
        tick()
        try sqlite.storeSuppression(jobID: sqliteJob, numbers: suppression)
        try await postgres.storeSuppression(jobID: postgresJob, numbers: suppression)
        let writer = try IngestWriter(store: sqlite, jobID: sqliteJob, kind: kind, chunkSize: chunkSize, groupsTexts: groupsTexts)
        let plan = try await postgres.beginIngest(jobID: postgresJob, kind: kind, chunkSize: chunkSize, groupsTexts: groupsTexts)
        #expect(plan.chunkSize == writer.chunkSize && plan.groupsTexts == writer.groupsTexts)
        var start = 0
        while start < rows.count {
            let end = min(start + batch, rows.count)
            let part = Array(rows[start..<end])
            let position = (offset: Int64(end * 100), line: end + 1, rows: end)
            tick()
            try writer.write(part, offset: position.offset, line: position.line, rowCount: position.rows)
            try await postgres.storeIngestBatch(
                jobID: postgresJob, rows: part, offset: position.offset, line: position.line, rowCount: position.rows, now: now)
            start = end
        }
        tick()
        let sqlitePlan = try writer.complete()
        let postgresPlan = try await postgres.completeIngest(jobID: postgresJob, now: now)
        #expect(sqlitePlan == postgresPlan, "planned requests")
    }

    // MARK: Steps, applied to both

    /// Cuts until nothing is left to cut; expects the same number of chunks from each call.
    func cutAll(recipients: Int = 10_000, grouped: Bool = false) async throws {
        while true {
            tick()
            let cutSQLite = try sqlite.cutChunks(jobID: sqliteJob, recipients: recipients, grouped: grouped)
            let cutPostgres = try await postgres.cutChunks(jobID: postgresJob, recipients: recipients, grouped: grouped, now: now)
            #expect(cutSQLite == cutPostgres, "chunks cut by one call")
            if cutSQLite == 0 && cutPostgres == 0 { return }
        }
    }

    /// Leases chunk `seq` on the PostgreSQL side (it must be the one `leaseNextChunk` hands out) and commits
    /// the intent in both; returns the attempt's id (the same in both).
    @discardableResult
    func inFlight(_ seq: Int, endpoint: String = "/campaigns/batch") async throws -> Int64 {
        tick()
        let leased = try await postgres.leaseNextChunk(jobID: postgresJob, holder: host, leaseSeconds: 3_600, now: now)
        #expect(leased?.chunk.seq == seq, "the chunk leased")
        return try await commitIntent(seq, endpoint: endpoint)
    }

    /// Commits chunk `seq`'s intent in both stores (the PostgreSQL side already leased it), at the same time;
    /// both must give the attempt the same id.
    func commitIntent(_ seq: Int, endpoint: String) async throws -> Int64 {
        let body = Array("{\"chunk\":\(seq),\"at\":\(now)}".utf8)
        let sqliteID = try sqlite.markInFlight(
            jobID: sqliteJob, seq: seq, name: "zb-\(seq)", body: body, idempotencyKey: "key-\(seq)", endpoint: endpoint, at: now)
        let postgresID = try await postgres.markInFlight(
            jobID: postgresJob, seq: seq, holder: host, name: "zb-\(seq)", body: body, idempotencyKey: "key-\(seq)", endpoint: endpoint,
            at: now)
        #expect(sqliteID == postgresID, "attempt ids")
        return sqliteID
    }

    func accepted(_ seq: Int, attempt: Int64?, campaign: String? = nil, message: String? = nil) async throws {
        tick()
        try sqlite.markAccepted(
            jobID: sqliteJob, seq: seq, campaignID: campaign, messageID: message, httpStatus: 202, traceID: "t-\(seq)", attemptID: attempt)
        try await postgres.markAccepted(
            jobID: postgresJob, seq: seq, holder: host, campaignID: campaign, messageID: message, httpStatus: 202, traceID: "t-\(seq)",
            attemptID: attempt, now: now)
    }

    func rejected(_ seq: Int, attempt: Int64?, error: RecordedError) async throws {
        tick()
        try sqlite.markRejected(jobID: sqliteJob, seq: seq, error: error, attemptID: attempt)
        try await postgres.markRejected(jobID: postgresJob, seq: seq, holder: host, error: error, attemptID: attempt, now: now)
    }

    func notProcessed(_ seq: Int, attempt: Int64?, notBefore: Double?, error: RecordedError?) async throws {
        tick()
        try sqlite.markNotProcessed(jobID: sqliteJob, seq: seq, notBefore: notBefore, error: error, attemptID: attempt)
        try await postgres.markNotProcessed(
            jobID: postgresJob, seq: seq, holder: host, notBefore: notBefore, error: error, attemptID: attempt, now: now)
    }

    func inDoubt(_ seq: Int, attempt: Int64?, error: RecordedError) async throws {
        tick()
        try sqlite.markInDoubt(jobID: sqliteJob, seq: seq, notBefore: nil, error: error, attemptID: attempt)
        try await postgres.markInDoubt(jobID: postgresJob, seq: seq, holder: host, notBefore: nil, error: error, attemptID: attempt, now: now)
    }

    /// Splits in both; expects the same new chunk number.
    @discardableResult
    func split(_ seq: Int, attempt: Int64?, rejecting rows: [Int: String], error: RecordedError) async throws -> Int? {
        tick()
        let fromSQLite = try sqlite.split(jobID: sqliteJob, seq: seq, rejectedRows: rows, error: error, attemptID: attempt)
        let fromPostgres = try await postgres.split(
            jobID: postgresJob, seq: seq, holder: host, rejectedRows: rows, error: error, attemptID: attempt, now: now)
        #expect(fromSQLite == fromPostgres, "the new chunk")
        return fromSQLite
    }

    func requeue() async throws -> RequeueSummary {
        tick()
        let fromSQLite = try sqlite.requeueRejected(jobID: sqliteJob)
        let fromPostgres = try await postgres.requeueRejected(jobID: postgresJob, now: now)
        #expect(fromSQLite == fromPostgres, "what the re-queue did")
        return fromSQLite
    }

    func resolve(row: Int, as resolution: InDoubtResolution) async throws {
        tick()
        let fromSQLite = try sqlite.resolveInDoubt(jobID: sqliteJob, row: row, as: resolution)
        let fromPostgres = try await postgres.resolveInDoubt(jobID: postgresJob, row: row, as: resolution, holder: host, now: now)
        #expect(fromSQLite == fromPostgres, "the chunk resolved")
    }

    // MARK: Comparisons

    /// The same counts, members of every chunk, and job, from both.
    func expectSameReads(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let sqliteCounts = try sqlite.counts(jobID: sqliteJob)
        let postgresCounts = try await postgres.counts(jobID: postgresJob)
        #expect(sqliteCounts == postgresCounts, "counts", sourceLocation: sourceLocation)
        for chunk in try sqlite.chunks(jobID: sqliteJob, in: ChunkState.allCases) {
            let sqliteMembers = try sqlite.members(jobID: sqliteJob, seq: chunk.seq)
            let postgresMembers = try await postgres.members(jobID: postgresJob, seq: chunk.seq)
            #expect(sqliteMembers == postgresMembers, "members of chunk \(chunk.seq)", sourceLocation: sourceLocation)
        }
        let sqliteJobValue = try sqlite.job(named: "spring")
        let postgresJobValue = try await postgres.job(named: "spring")
        #expect(sqliteJobValue == postgresJobValue, "job", sourceLocation: sourceLocation)
        try await expectSameAnswers(sourceLocation: sourceLocation)
    }

    /// Every row of `job`, `recipient`, `chunk` and `attempt`, column by column, the same in both (the
    /// PostgreSQL lease columns aside). Nothing is normalised: both stores were given the same times, and
    /// ids are assigned in the same order from 1 in both.
    func expectSameRows(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for table in StoredTable.all {
            let fromSQLite = try table.rows(in: sqlite.database)
            let fromPostgres = try await TestServer.withRawConnection(location) { try await table.rows(in: $0) }
            #expect(!fromSQLite.isEmpty || !["job", "recipient"].contains(table.name), "\(table.name) has rows", sourceLocation: sourceLocation)
            #expect(fromSQLite.count == fromPostgres.count, "\(table.name): row count", sourceLocation: sourceLocation)
            for (a, b) in zip(fromSQLite, fromPostgres) where a != b {
                let differing = table.columns.indices.filter { a[$0] != b[$0] }.map { "\(table.columns[$0].name): \(a[$0]) ≠ \(b[$0])" }
                Issue.record("\(table.name) row \(a.prefix(2)): \(differing.joined(separator: ", "))", sourceLocation: sourceLocation)
            }
        }
    }
}

/// A stored value, as read from either database.
enum StoredValue: Equatable, CustomStringConvertible {
    case null, integer(Int64), real(Double), text(String), blob([UInt8])

    var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): "\(value)"
        case .real(let value): "\(value)"
        case .text(let value): "'\(value)'"
        case .blob(let value): "x'\(value.map { String(format: "%02x", $0) }.joined())'"
        }
    }
}

/// A table compared by `Twin.expectSameRows`: the SQLite state's columns, with their storage class.
struct StoredTable {
    enum Storage { case integer, real, text, blob }
    var name: String
    var columns: [(name: String, storage: Storage)]
    var order: String

    static let all: [StoredTable] = [
        StoredTable(name: "job", columns: [
            ("id", .integer), ("name", .text), ("uuid", .text), ("settings", .text), ("phase", .text), ("input_fingerprint", .text),
            ("header", .text), ("ingest_offset", .integer), ("ingest_line", .integer), ("ingest_rows", .integer),
            ("created_at", .real), ("updated_at", .real), ("chunk_kind", .text), ("chunk_size", .integer), ("cut_row", .integer),
            ("resend_check", .text), ("text_groups", .integer),
        ], order: "id"),
        StoredTable(name: "recipient", columns: [
            ("job_id", .integer), ("row", .integer), ("line", .integer), ("phone", .text), ("e164", .integer), ("status", .text),
            ("reason", .text), ("content", .text), ("chunk", .integer), ("campaign_id", .text), ("message_id", .text),
            ("trace_id", .text), ("delivery_status", .text), ("delivery_error", .text), ("cost", .text), ("updated_at", .real),
            ("number_type", .text), ("window_group", .text),
        ], order: "job_id, row"),
        StoredTable(name: "chunk", columns: [
            ("job_id", .integer), ("seq", .integer), ("kind", .text), ("state", .text), ("size", .integer), ("parent_seq", .integer),
            ("name", .text), ("body", .blob), ("idempotency_key", .text), ("attempts", .integer), ("last_attempt_at", .real),
            ("not_before", .real), ("in_doubt", .integer), ("campaign_id", .text), ("message_id", .text), ("http_status", .integer),
            ("error_code", .text), ("error_message", .text), ("error_fields", .text), ("trace_id", .text), ("updated_at", .real),
            ("window_group", .text),
        ], order: "job_id, seq"),
        StoredTable(name: "attempt", columns: [
            ("id", .integer), ("job_id", .integer), ("chunk_seq", .integer), ("endpoint", .text), ("started_at", .real),
            ("finished_at", .real), ("outcome", .text), ("http_status", .integer), ("error_code", .text), ("trace_id", .text),
        ], order: "id"),
        StoredTable(name: "suppression", columns: [("job_id", .integer), ("e164", .integer)], order: "job_id, e164"),
    ]

    var select: String { "SELECT \(columns.map(\.name).joined(separator: ", ")) FROM \(name) ORDER BY \(order)" }

    func rows(in database: SQLiteDatabase) throws -> [[StoredValue]] {
        try database.query(select, []) { row in
            columns.indices.map { i -> StoredValue in
                let index = Int32(i)
                if row.isNull(index) { return .null }
                switch columns[i].storage {
                case .integer: return .integer(row.int64(index))
                case .real: return .real(row.double(index))
                case .text: return .text(row.text(index))
                case .blob: return .blob(row.blob(index) ?? [])
                }
            }
        }
    }

    func rows(in connection: PostgresConnection) async throws -> [[StoredValue]] {
        var rows: [[StoredValue]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: select), logger: TestServer.logger) {
            let cells = row.makeRandomAccess()
            rows.append(try columns.indices.map { i -> StoredValue in
                switch columns[i].storage {
                case .integer: return try cells[i].decode(Int64?.self).map(StoredValue.integer) ?? .null
                case .real: return try cells[i].decode(Double?.self).map(StoredValue.real) ?? .null
                case .text: return try cells[i].decode(String?.self).map(StoredValue.text) ?? .null
                case .blob: return try cells[i].decode(ByteBuffer?.self).map { StoredValue.blob(Array($0.readableBytesView)) } ?? .null
                }
            })
        }
        return rows
    }
}
