internal import CSQLite
import Foundation

/// A single SQLite connection over the system libsqlite3.
///
/// A thin direct layer rather than GRDB: the ingest hot path binds millions of rows and the measured
/// difference (≈ 840 k vs 580 k rows/s in `../shared/STACK.md`, confirmed in docs/architecture.md) is the
/// difference between meeting the ingest target and not. The surface is small on purpose: open, execute,
/// prepared statements, transactions. Not thread-safe: one owner at a time (the state store).
public final class SQLiteDatabase {
    /// The file this connection is open on.
    public let path: String
    let handle: OpaquePointer
    private var statementCache: [String: SQLiteStatement] = [:]

    /// Opens (creating when asked) the database at `path`.
    ///
    /// A new file is created with mode 0600 before SQLite opens it: the state holds phone numbers and
    /// message texts, which are personal data.
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        if create && !readOnly && !FileManager.default.fileExists(atPath: path) {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 { Glibc.close(fd) }
        }
        _ = Self.configured
        var db: OpaquePointer?
        let flags = readOnly
            ? SQLITE_OPEN_READONLY
            : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, sql: nil, path: path)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5_000)
    }

    /// Process-wide settings, applied once before the first connection opens.
    private static let configured: Bool = {
        _ = csqlite_disable_memory_statistics()
        return true
    }()

    private var isClosed = false

    /// The `statfs` magic number of the filesystem that holds the open file `fd` (0 when unknown), for a
    /// caller that refuses network filesystems before it opens a database there.
    public static func filesystemMagic(of fd: Int32) -> UInt64 {
        UInt64(csqlite_filesystem_magic(fd))
    }

    /// The `statfs` magic number of the filesystem that holds `path` (0 when unknown), without opening it.
    public static func filesystemMagic(atPath path: String) -> UInt64 {
        UInt64(csqlite_filesystem_magic_path(path))
    }

    /// Closes the connection now rather than at deinit, for an owner that must release something after
    /// it (the state store's file lock). Nothing may use the connection afterwards.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    deinit { close() }

    /// Runs one or more statements that take no arguments and return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteError(code: rc, message: message, sql: sql, path: path)
        }
    }

    /// Compiles `sql` into a new statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql)
    }

    /// Returns a compiled statement for `sql`, compiling it once per connection.
    public func cached(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `sql` with `arguments`, ignoring any rows.
    public func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try cached(sql)
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs `sql` with `arguments` and maps every row; an error thrown by `map` ends the query.
    public func query<T>(
        _ sql: String, _ arguments: [SQLiteValue] = [], _ map: (SQLiteRow) throws -> T
    ) throws -> [T] {
        let statement = try cached(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        var result: [T] = []
        while try statement.step() {
            result.append(try map(SQLiteRow(statement: statement)))
        }
        return result
    }

    /// The first row of `sql`, mapped; nil when there is none.
    public func first<T>(
        _ sql: String, _ arguments: [SQLiteValue] = [], _ map: (SQLiteRow) throws -> T
    ) throws -> T? {
        let statement = try cached(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return try map(SQLiteRow(statement: statement))
    }

    /// An integer computed by `sql` (e.g. a count); 0 when no row.
    public func scalar(_ sql: String, _ arguments: [SQLiteValue] = []) throws(SQLiteError) -> Int64 {
        let statement = try cached(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.row.int64(0)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    ///
    /// IMMEDIATE takes the write lock up front, so a transaction never fails half-way with SQLITE_BUSY.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last INSERT.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func error(_ code: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }
}
