import Foundation
import SQLite

/// The durable state of every job in one SQLite file: the checkpoint the whole product rests on.
///
/// The only way into the state: nothing outside Checkpoint sees the connection or runs SQL. Every write
/// is a domain method that runs one invariant-preserving transaction (docs/state.md, "Backend seam"),
/// and no public method takes or returns an SQLite type, so a second backend can stand in for this one.
///
/// Durability: WAL with `synchronous = FULL`, so a committed chunk transition survives power loss
/// (measured cost in docs/architecture.md). Ingest batches relax this to `synchronous = NORMAL` (never
/// `OFF`, which may corrupt the file on power loss): losing the last ingest commits only means
/// re-reading those rows, because the ingest position is committed in the same transaction as the rows
/// it covers, and in WAL mode NORMAL cannot corrupt the file.
public final class SQLiteStateStore {
    /// The connection: Checkpoint's own (tests reach it with `@testable import`).
    let database: SQLiteDatabase
    /// The file.
    public var path: String { database.path }
    /// The wall clock whose time the state records (`created_at`, `updated_at`, outcome times).
    public let clock: any WallClock
    /// A writer's exclusive lock on the file (nil when read-only), taken before the schema is migrated and
    /// held until the store is gone.
    private let lock: StateFileLock?

    /// How a command uses the state file.
    public enum Access: Sendable {
        /// Reads only (`status`, `report`): no lock; WAL gives a consistent snapshot while others write.
        case read
        /// Sends or re-queues (`run`, `retry`): one such writer per file.
        case send
        /// Records delivery outcomes (`track`): one such writer per file, beside a sender.
        case track
    }

    /// Opens the state file to read, or to send (creating it, mode 0600, and bringing its schema up to date).
    public convenience init(path: String, readOnly: Bool = false, clock: any WallClock = SystemWallClock()) throws {
        try self.init(path: path, access: readOnly ? .read : .send, clock: clock)
    }

    /// Opens the state file for `access`: a writer creates it (mode 0600) and brings its schema up to date.
    ///
    /// A writer first takes the file's lock for its role (`StateFileLock`): one sender and one tracker per
    /// state file, whatever path, symlink or hard link reaches it, and a schema migration only when no
    /// other writer has the file. A held role throws `StateStoreError` `.locked` at once; a state file on
    /// a network filesystem throws `.networkFilesystem`.
    public init(path: String, access: Access, clock: any WallClock = SystemWallClock()) throws {
        let readOnly = access == .read
        if !readOnly {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        }
        self.clock = clock
        // A second name for the file would mean a second WAL: refused for readers too.
        _ = try StateFileLock.identity(ofPath: path)
        switch access {
        case .read: lock = nil
        case .send: lock = try StateFileLock(path: path, role: .sender)
        case .track: lock = try StateFileLock(path: path, role: .tracker)
        }
        database = try SQLiteDatabase(path: path, create: !readOnly, readOnly: readOnly)
        if let lock {
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = FULL")
            try database.execute("PRAGMA foreign_keys = ON")
            if try !StateSchema.migrator.isCurrent(database) {
                // The sender waits a little for a tracker to let go; a tracker gives up at once, so the two
                // started together on an old file do not both give up.
                try lock.holdingEveryRole(patience: access == .send ? 5 : 0) { try StateSchema.migrator.migrate(database) }
            }
        }
    }

    deinit {
        // The connection first, then the lock: closing the lock's descriptor drops every fcntl lock this
        // process holds on the file, SQLite's included (see StateFileLock).
        database.close()
        lock?.release()
    }

    // MARK: Jobs

    /// Every job in the file, oldest first.
    public func jobs() throws -> [Job] {
        try database.query("SELECT \(Self.jobColumns) FROM job ORDER BY id", []) { try self.job(from: $0) }
    }

    /// The job called `name`, if any.
    public func job(named name: String) throws -> Job? {
        try database.first("SELECT \(Self.jobColumns) FROM job WHERE name = ?", [.text(name)]) { try self.job(from: $0) }
    }

    /// Creates a job in phase `ingesting` with a fresh UUID.
    public func createJob(name: String, settings: JobSettings, inputFingerprint: String) throws -> Job {
        let uuid = UUID().uuidString.lowercased()
        let now = clock.now()
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try database.run(
            """
            INSERT INTO job (name, uuid, settings, phase, input_fingerprint, created_at, updated_at)
            VALUES (?, ?, ?, 'ingesting', ?, ?, ?)
            """,
            [.text(name), .text(uuid), .text(json), .text(inputFingerprint), .double(now), .double(now)])
        guard let job = try job(named: name) else { throw StateStoreError(.jobVanished(name: name), path: path) }
        return job
    }

    /// Records the CSV header (once, at the start of ingest).
    public func setHeader(jobID: Int64, header: [String]) throws {
        let json = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
        try database.run("UPDATE job SET header = ?, updated_at = ? WHERE id = ?", [.text(json), .double(clock.now()), .int(jobID)])
    }

    /// Moves a job to `phase`.
    public func setPhase(jobID: Int64, _ phase: JobPhase) throws {
        try database.run(
            "UPDATE job SET phase = ?, updated_at = ? WHERE id = ?", [.text(phase.rawValue), .double(clock.now()), .int(jobID)])
    }

    /// Replaces the stored input fingerprint (after `--allow-changed-input`).
    public func setInputFingerprint(jobID: Int64, _ fingerprint: String) throws {
        try database.run("UPDATE job SET input_fingerprint = ? WHERE id = ?", [.text(fingerprint), .int(jobID)])
    }

    static let jobColumns = """
        id, name, uuid, settings, phase, input_fingerprint, ingest_offset, ingest_line, ingest_rows, header, created_at,
        chunk_kind, chunk_size, text_groups
        """

    /// A job row; a stored value this build cannot read throws `StateStoreError` instead of becoming a default.
    func job(from row: SQLiteRow) throws -> Job {
        let id = row.int64(0)
        var chunkKind: ChunkKind?
        if let stored = row.optionalText(11) { chunkKind = try decode(stored, table: "job", column: "chunk_kind", jobID: id) }
        return Job(
            id: id, name: row.text(1), uuid: row.text(2),
            settings: try decodeJSON(JobSettings.self, row.text(3), table: "job", column: "settings", jobID: id),
            phase: try decode(row.text(4), table: "job", column: "phase", jobID: id), inputFingerprint: row.text(5),
            ingestOffset: row.int64(6), ingestLine: row.int(7), ingestRows: row.int(8),
            header: try decodeJSON([String].self, row.text(9), table: "job", column: "header", jobID: id),
            createdAt: row.double(10),
            chunkKind: chunkKind, chunkSize: row.int(12), groupsTexts: row.int(13) != 0)
    }
}
