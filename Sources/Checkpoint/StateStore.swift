import Foundation
public import SQLite

/// The durable state of every job in one SQLite file: the checkpoint the whole product rests on.
///
/// Durability: WAL with `synchronous = FULL`, so a committed chunk transition survives power loss
/// (measured cost in docs/architecture.md). Ingest batches relax this to `synchronous = OFF`: losing
/// the last ingest commit only means re-reading those rows, because the ingest position is committed in
/// the same transaction as the rows it covers.
public final class StateStore {
    /// The connection.
    public let database: SQLiteDatabase
    /// The file.
    public var path: String { database.path }

    /// Opens or creates the state file (mode 0600) and brings its schema up to date.
    public init(path: String, readOnly: Bool = false) throws {
        if !readOnly {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        }
        database = try SQLiteDatabase(path: path, create: !readOnly, readOnly: readOnly)
        if !readOnly {
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = FULL")
            try database.execute("PRAGMA foreign_keys = ON")
            try StateSchema.migrator.migrate(database)
        }
    }

    /// Unix time now.
    public static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: Jobs

    /// Every job in the file, oldest first.
    public func jobs() throws -> [Job] {
        try database.query("SELECT \(Self.jobColumns) FROM job ORDER BY id", [], Self.job)
    }

    /// The job called `name`, if any.
    public func job(named name: String) throws -> Job? {
        try database.first("SELECT \(Self.jobColumns) FROM job WHERE name = ?", [.text(name)], Self.job)
    }

    /// Creates a job in phase `ingesting` with a fresh UUID.
    public func createJob(name: String, settings: JobSettings, inputFingerprint: String) throws -> Job {
        let uuid = UUID().uuidString.lowercased()
        let now = Self.now()
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try database.run(
            """
            INSERT INTO job (name, uuid, settings, phase, input_fingerprint, created_at, updated_at)
            VALUES (?, ?, ?, 'ingesting', ?, ?, ?)
            """,
            [.text(name), .text(uuid), .text(json), .text(inputFingerprint), .double(now), .double(now)])
        guard let job = try job(named: name) else {
            throw SQLiteError(code: 1, message: "job vanished after insert", sql: nil, path: path)
        }
        return job
    }

    /// Records the CSV header (once, at the start of ingest).
    public func setHeader(jobID: Int64, header: [String]) throws {
        let json = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
        try database.run("UPDATE job SET header = ?, updated_at = ? WHERE id = ?", [.text(json), .double(Self.now()), .int(jobID)])
    }

    /// Moves a job to `phase`.
    public func setPhase(jobID: Int64, _ phase: JobPhase) throws {
        try database.run(
            "UPDATE job SET phase = ?, updated_at = ? WHERE id = ?", [.text(phase.rawValue), .double(Self.now()), .int(jobID)])
    }

    /// Replaces the stored input fingerprint (after `--allow-changed-input`).
    public func setInputFingerprint(jobID: Int64, _ fingerprint: String) throws {
        try database.run("UPDATE job SET input_fingerprint = ? WHERE id = ?", [.text(fingerprint), .int(jobID)])
    }

    static let jobColumns =
        "id, name, uuid, settings, phase, input_fingerprint, ingest_offset, ingest_line, ingest_rows, header, created_at"

    static func job(_ row: SQLiteRow) throws(SQLiteError) -> Job {
        let settings = (try? JSONDecoder().decode(JobSettings.self, from: Data(row.text(3).utf8)))
            ?? JobSettings(csvPath: "", sender: "", message: "", country: nil, phoneColumn: nil, chunkSize: 1000)
        let header = (try? JSONDecoder().decode([String].self, from: Data(row.text(9).utf8))) ?? []
        return Job(
            id: row.int64(0), name: row.text(1), uuid: row.text(2), settings: settings,
            phase: JobPhase(rawValue: row.text(4)) ?? .ingesting, inputFingerprint: row.text(5),
            ingestOffset: row.int64(6), ingestLine: row.int(7), ingestRows: row.int(8), header: header,
            createdAt: row.double(10))
    }
}
