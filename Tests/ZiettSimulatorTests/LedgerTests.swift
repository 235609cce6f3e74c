import CSQLite
import Foundation
import Testing
import ZiettSimulator

/// The ledger: what was sent to whom, how often, in memory and in SQLite.
@Suite struct LedgerTests {
    @Test func ledgerCountsEveryAcceptedRecipient() async throws {
        try await SimulatorHarness.with { sim async throws in
            _ = try await sim.batch(["+244923000001", "+244923000002"])
            _ = try await sim.message("+244923000001")
            let ledger = await sim.server.ledger()
            #expect(ledger.acceptedCountByNumber == ["+244923000001": 2, "+244923000002": 1])
            #expect(ledger.responses["POST /campaigns/batch 202"] == 1)
            #expect(ledger.requests.count == 2)
            let file = try LedgerFile(ledger).encoded()
            #expect(String(decoding: file, as: UTF8.self).contains("\"acceptedCountByNumber\""))
        }
    }

    @Test func sqliteLedgerHoldsEveryRowWithCurrentStatuses() async throws {
        let path = NSTemporaryDirectory() + "ziett-sim-ledger-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await SimulatorHarness.with({ $0.ledgerPath = path }) { sim async throws in
            _ = try await sim.batch(["+244923000001", "923000002"])
            _ = try await sim.message("+244923000003")
        }
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        defer { sqlite3_close(db) }
        func rows(_ sql: String) -> [String] {
            var statement: OpaquePointer?
            sqlite3_prepare_v2(db, sql, -1, &statement, nil)
            defer { sqlite3_finalize(statement) }
            var result: [String] = []
            while sqlite3_step(statement) == SQLITE_ROW { result.append(String(cString: sqlite3_column_text(statement, 0))) }
            return result
        }
        #expect(rows("SELECT status FROM campaigns") == ["COMPLETED"])
        #expect(rows("SELECT e164 || ' ' || status FROM messages ORDER BY e164") == [
            "+244923000001 DELIVERED", "+244923000003 DELIVERED", "923000002 FAILED",
        ])
        #expect(rows("SELECT outcome FROM requests ORDER BY seq") == ["created", "created"])
    }
}
