import Foundation
import SQLite

/// Writes the ledger to a SQLite file as it happens, so an operator can query it while the simulator runs.
///
/// Rows are inserted when accepted; statuses, which the simulator computes from the clock, are brought
/// up to date by `sync` (on stop, and whenever a snapshot is taken). Used only from `SimulatorState`.
/// A failed write is dropped rather than failing the request: the ledger observes the simulator, it
/// never decides an answer.
final class SQLiteLedger {
    private let database: SQLiteDatabase
    /// The ledger file.
    var path: String { database.path }

    init(path: String) throws {
        do {
            database = try SQLiteDatabase(path: path)
            try database.execute("""
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
        } catch {
            throw SimulatorStartError(message: "ledger \(path): \(error.message)")
        }
    }

    func insert(_ c: LedgerCampaign) {
        let recipients = (try? JSONEncoder().encode(c.recipients)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
        run("INSERT OR REPLACE INTO campaigns VALUES (?,?,?,?,?,?,?,?,?,?,?)", [
            .text(c.id), .text(c.name), .text(c.content), .text(recipients), .text(c.remitterID), .optional(c.countryAlpha2),
            .optional(c.idempotencyKey), .text(c.status), .optional(c.errorCode), .int(c.messageCount), .double(c.createdAt),
        ])
    }

    func insert(_ m: LedgerMessage) {
        run("INSERT OR REPLACE INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
            .text(m.id), .optional(m.campaignID), .text(m.e164), .text(m.raw), .text(m.content), .text(m.remitterID),
            .text(m.status), .optional(m.errorCode), .double(m.cost), .int(m.isRefunded ? 1 : 0), .double(m.createdAt),
            .double(m.updatedAt),
        ])
    }

    func insert(_ r: LedgerRequest) {
        run("INSERT INTO requests (time, endpoint, idempotency_key, status, outcome, resource_id) VALUES (?,?,?,?,?,?)", [
            .double(r.time), .text(r.endpoint), .optional(r.idempotencyKey), .optional(r.status), .text(r.outcome),
            .optional(r.resourceID),
        ])
    }

    /// Brings every status up to date with a snapshot, in one transaction.
    func sync(_ snapshot: LedgerSnapshot) {
        _ = try? database.transaction {
            for c in snapshot.campaigns {
                run("UPDATE campaigns SET status = ?, error_code = ? WHERE id = ?", [.text(c.status), .optional(c.errorCode), .text(c.id)])
            }
            for m in snapshot.messages {
                run("UPDATE messages SET status = ?, error_code = ?, is_refunded = ?, updated_at = ? WHERE id = ?", [
                    .text(m.status), .optional(m.errorCode), .int(m.isRefunded ? 1 : 0), .double(m.updatedAt), .text(m.id),
                ])
            }
        }
    }

    private func run(_ sql: String, _ values: [SQLiteValue]) {
        try? database.run(sql, values)
    }
}
