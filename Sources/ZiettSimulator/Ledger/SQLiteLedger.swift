import CSQLite
import Foundation

/// Writes the ledger to a SQLite file as it happens, so an operator can query it while the simulator runs.
///
/// Rows are inserted when accepted; statuses, which the simulator computes from the clock, are brought
/// up to date by `sync` (on stop, and whenever a snapshot is taken). Used only from `SimulatorState`.
final class SQLiteLedger {
    private var db: OpaquePointer?
    let path: String

    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SimulatorStartError(message: "ledger \(path): \(message)")
        }
        try exec("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS campaigns (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, content TEXT NOT NULL, recipients TEXT NOT NULL,
              remitter_id TEXT NOT NULL, country_alpha2 TEXT, idempotency_key TEXT, status TEXT NOT NULL,
              error_code TEXT, message_count INTEGER NOT NULL, created_at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS messages (
              id TEXT PRIMARY KEY, campaign_id TEXT, e164 TEXT NOT NULL, raw TEXT NOT NULL, content TEXT NOT NULL,
              remitter_id TEXT NOT NULL, status TEXT NOT NULL, error_code TEXT, cost REAL NOT NULL,
              is_refunded INTEGER NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
            CREATE INDEX IF NOT EXISTS messages_e164 ON messages(e164);
            CREATE TABLE IF NOT EXISTS requests (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, endpoint TEXT NOT NULL,
              idempotency_key TEXT, status INTEGER, outcome TEXT NOT NULL, resource_id TEXT);
            """)
    }

    deinit { sqlite3_close_v2(db) }

    func insert(_ c: LedgerCampaign) {
        let recipients = (try? JSONEncoder().encode(c.recipients)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
        run("INSERT OR REPLACE INTO campaigns VALUES (?,?,?,?,?,?,?,?,?,?,?)", [
            .text(c.id), .text(c.name), .text(c.content), .text(recipients), .text(c.remitterID), .optional(c.countryAlpha2),
            .optional(c.idempotencyKey), .text(c.status), .optional(c.errorCode), .int(c.messageCount), .real(c.createdAt),
        ])
    }

    func insert(_ m: LedgerMessage) {
        run("INSERT OR REPLACE INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
            .text(m.id), .optional(m.campaignID), .text(m.e164), .text(m.raw), .text(m.content), .text(m.remitterID),
            .text(m.status), .optional(m.errorCode), .real(m.cost), .int(m.isRefunded ? 1 : 0), .real(m.createdAt), .real(m.updatedAt),
        ])
    }

    func insert(_ r: LedgerRequest) {
        run("INSERT INTO requests (time, endpoint, idempotency_key, status, outcome, resource_id) VALUES (?,?,?,?,?,?)", [
            .real(r.time), .text(r.endpoint), .optional(r.idempotencyKey), r.status.map { .int($0) } ?? .null, .text(r.outcome),
            .optional(r.resourceID),
        ])
    }

    /// Brings every status up to date with a snapshot.
    func sync(_ snapshot: LedgerSnapshot) {
        try? exec("BEGIN")
        for c in snapshot.campaigns {
            run("UPDATE campaigns SET status = ?, error_code = ? WHERE id = ?", [.text(c.status), .optional(c.errorCode), .text(c.id)])
        }
        for m in snapshot.messages {
            run("UPDATE messages SET status = ?, error_code = ?, is_refunded = ?, updated_at = ? WHERE id = ?", [
                .text(m.status), .optional(m.errorCode), .int(m.isRefunded ? 1 : 0), .real(m.updatedAt), .text(m.id),
            ])
        }
        try? exec("COMMIT")
    }

    enum Value {
        case text(String), int(Int), real(Double), null
        static func optional(_ s: String?) -> Value { s.map { .text($0) } ?? .null }
    }

    private func exec(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error"
            sqlite3_free(error)
            throw SimulatorStartError(message: "ledger \(path): \(message)")
        }
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private func run(_ sql: String, _ values: [Value]) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { return }
        defer { sqlite3_finalize(statement) }
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .text(let s): sqlite3_bind_text(statement, index, s, -1, Self.transient)
            case .int(let v): sqlite3_bind_int64(statement, index, Int64(v))
            case .real(let v): sqlite3_bind_double(statement, index, v)
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        _ = sqlite3_step(statement)
    }
}
