internal import CSQLite

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLiteValue {
    /// An optional string as text or NULL.
    public static func optional(_ text: String?) -> SQLiteValue { text.map(SQLiteValue.text) ?? .null }
    /// An optional integer as int or NULL.
    public static func optional(_ value: Int?) -> SQLiteValue { value.map { .int(Int64($0)) } ?? .null }
    /// An integer.
    public static func int(_ value: Int) -> SQLiteValue { .int(Int64(value)) }
    /// A double or NULL.
    public static func optional(_ value: Double?) -> SQLiteValue { value.map(SQLiteValue.double) ?? .null }
}

/// SQLITE_TRANSIENT: SQLite copies the bytes before the bind call returns.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A compiled statement, reused across executions (bind → step … → reset).
public final class SQLiteStatement {
    let database: SQLiteDatabase
    let pointer: OpaquePointer
    /// The SQL text, for errors.
    public let sql: String

    init(database: SQLiteDatabase, sql: String) throws(SQLiteError) {
        self.database = database
        self.sql = sql
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw database.error(rc, sql: sql) }
        pointer = statement
    }

    deinit { sqlite3_finalize(pointer) }

    /// Resets the statement and clears its bindings.
    public func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    /// Binds `values` to parameters 1…n.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (index, value) in values.enumerated() {
            try bind(value, at: Int32(index + 1))
        }
    }

    /// Binds one value at a 1-based parameter index.
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(pointer, index)
        case .int(let v): rc = sqlite3_bind_int64(pointer, index, v)
        case .double(let v): rc = sqlite3_bind_double(pointer, index, v)
        case .text(let v): rc = bindText(v, at: index)
        case .blob(let v):
            rc = v.withUnsafeBytes { sqlite3_bind_blob(pointer, index, $0.baseAddress, Int32($0.count), transient) }
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds an integer without boxing it in `SQLiteValue` (hot path).
    @inline(__always)
    public func bind(int value: Int64, at index: Int32) {
        sqlite3_bind_int64(pointer, index, value)
    }

    /// Binds text without boxing it in `SQLiteValue` (hot path).
    @inline(__always)
    public func bind(text value: String?, at index: Int32) {
        if let value { _ = bindText(value, at: index) } else { sqlite3_bind_null(pointer, index) }
    }

    private func bindText(_ text: String, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { buffer in
            sqlite3_bind_text(
                pointer, index, UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                    .assumingMemoryBound(to: CChar.self),
                Int32(buffer.count), transient)
        }
    }

    /// Steps once; true when a row is available.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(pointer)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE:
            return false
        default:
            sqlite3_reset(pointer)
            throw database.error(rc, sql: sql)
        }
    }

    /// The current row, after `step()` returned true.
    public var row: SQLiteRow { SQLiteRow(statement: self) }

    /// Steps a statement that returns no rows, then resets it for reuse.
    @inline(__always)
    public func execute() throws(SQLiteError) {
        let rc = sqlite3_step(pointer)
        sqlite3_reset(pointer)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw database.error(rc, sql: sql) }
    }
}

/// The current row of a stepping statement.
public struct SQLiteRow {
    let statement: SQLiteStatement

    /// True when column `i` is NULL.
    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(statement.pointer, i) == SQLITE_NULL }
    /// Column `i` as an integer (0 for NULL).
    public func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(statement.pointer, i) }
    /// Column `i` as an Int (0 for NULL).
    public func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(statement.pointer, i)) }
    /// Column `i` as an optional Int.
    public func optionalInt(_ i: Int32) -> Int? { isNull(i) ? nil : int(i) }
    /// Column `i` as a double.
    public func double(_ i: Int32) -> Double { sqlite3_column_double(statement.pointer, i) }
    /// Column `i` as an optional double.
    public func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }
    /// Column `i` as text ("" for NULL).
    public func text(_ i: Int32) -> String { optionalText(i) ?? "" }
    /// Column `i` as optional text.
    public func optionalText(_ i: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement.pointer, i) else { return nil }
        let count = Int(sqlite3_column_bytes(statement.pointer, i))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
    /// Column `i` as bytes.
    public func blob(_ i: Int32) -> [UInt8]? {
        let count = Int(sqlite3_column_bytes(statement.pointer, i))
        guard let bytes = sqlite3_column_blob(statement.pointer, i) else { return isNull(i) ? nil : [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
