/// A failed SQLite call, with the result code, the message and the SQL that failed.
///
/// Carrying the SQL makes a failure in the field diagnosable from a cron mail alone.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The SQLite (extended) result code.
    public var code: Int32
    /// `sqlite3_errmsg` at the time of failure.
    public var message: String
    /// The statement, when the failure belongs to one.
    public var sql: String?
    /// The database file.
    public var path: String

    /// Creates an error value.
    public init(code: Int32, message: String, sql: String?, path: String) {
        self.code = code
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// True for SQLITE_BUSY / SQLITE_LOCKED: another connection holds the database.
    public var isBusy: Bool { code & 0xff == 5 || code & 0xff == 6 }

    public var description: String {
        var text = "SQLite error \(code) on \(path): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }
}
