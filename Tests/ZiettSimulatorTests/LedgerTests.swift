import Foundation
import SQLite
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
        let db = try SQLiteDatabase(path: path, create: false)
        func rows(_ sql: String) throws -> [String] { try db.query(sql) { $0.text(0) } }
        #expect(try rows("SELECT status FROM campaigns") == ["COMPLETED"])
        #expect(try rows("SELECT e164 || ' ' || status FROM messages ORDER BY e164") == [
            "+244923000001 DELIVERED", "+244923000003 DELIVERED", "923000002 FAILED",
        ])
        #expect(try rows("SELECT outcome FROM requests ORDER BY seq") == ["created", "created"])
    }
}
