import Checkpoint
import Foundation
import PostgresCheckpoint
import PostgresNIO
import Testing

/// What an operator sees when the PostgreSQL state fails: the server's own message and SQLSTATE, the
/// location without its password, and an error that callers catch as `StateFileFailure` (exit 74) without
/// importing this module; a refusal by the state's rules is told apart by `isStoreFailure`.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct ErrorTests {
    static let password = "pw-never-printed-7f3a"

    /// The test database's location with a password (the throw-away server trusts every connection, so
    /// it is sent and ignored): it must appear in no error text.
    func withPasswordedStore(_ body: (PostgresStateDatabase, PostgresLocation) async throws -> Void) async throws {
        try await TestServer.withDatabase { plain in
            var location = plain
            location.password = Self.password
            try await TestServer.withStore(location) { try await body($0, location) }
        }
    }

    func expectStoreFailure(_ error: any Error, sqlState: String?, containing text: String?) {
        #expect((error as Any) is any StateFileFailure, "a StateFileFailure: \(type(of: error))")
        guard let error = error as? PostgresStateError, case .server(let shown, let message, let state) = error.reason else {
            Issue.record("not a wrapped server failure: \(error)")
            return
        }
        #expect(error.isStoreFailure)
        if let sqlState { #expect(state == sqlState, "SQLSTATE") }
        #expect(!message.isEmpty && text.map(message.contains) ?? true, "the server's message: \(message)")
        for shownText in [error.description, String(reflecting: error), "\(error.reason)", shown] {
            #expect(!shownText.contains(Self.password), "no password in \(shownText)")
        }
        #expect(error.description.contains(shown) && shown.hasPrefix("postgres://"), "the location: \(error.description)")
    }

    /// A statement the server refuses (text with U+0000, which PostgreSQL text cannot hold): the server's
    /// message and SQLSTATE, not the driver's generic "PSQLError"; the transaction rolled back and the
    /// connection still usable.
    @Test func aRefusedStatementCarriesTheServersMessage() async throws {
        try await withPasswordedStore { store, _ in
            let settings = JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: 3)
            let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
            let job = try await store.createJob(name: "spring", uuid: "u", settings: json, inputFingerprint: "fp", now: 1)
            let bad = IngestRow(row: 1, line: 2, phone: "923", e164: 244_923_000_001, status: .pending, reason: nil, content: "a\u{0}b")
            do {
                try await store.storeIngestBatch(jobID: job, rows: [bad], offset: 10, line: 2, rowCount: 1, now: 2)
                Issue.record("a NUL in text was stored")
            } catch {
                expectStoreFailure(error, sqlState: "22021", containing: "0x00")
                #expect(!"\(error)".contains("PSQLError"), "\(error)")
            }
            #expect(try await store.lastRow(jobID: job) == 0)
            #expect(try await store.jobs().map(\.ingestOffset) == [0], "the position rolled back with the rows")
        }
    }

    /// The server ends the store's session while it is idle (an administrator, a failover): the next
    /// operation fails promptly as a store failure. Without the store's check of a closed connection, that
    /// operation waited for ever in postgres-nio 1.33 (seen four times in five runs), hence the time limit.
    @Test(.timeLimit(.minutes(1))) func aSessionTheServerEndedIsAStoreFailure() async throws {
        try await withPasswordedStore { store, location in
            _ = try await store.jobs()
            try await TestServer.withRawConnection(location) { connection in
                // Waits (up to 10 s) until the backend has exited.
                let terminated = try await connection.values(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    as: Bool.self)
                #expect(terminated == [true])
            }
            // The driver notices the closed socket on its event loop, shortly after.
            try await Task.sleep(for: .milliseconds(300))
            do {
                _ = try await store.jobs()
                Issue.record("a terminated session answered")
            } catch {
                expectStoreFailure(error, sqlState: nil, containing: nil)
            }
        }
    }

    /// A refusal by the state's rules is not a failing store.
    @Test func aRuleBrokenIsNoStoreFailure() {
        #expect(!PostgresStateError(.leaseLost(jobID: 1, seq: 2, holder: "h")).isStoreFailure)
        #expect(!PostgresStateError(.ingestRestartRefused(jobID: 1)).isStoreFailure)
        #expect(PostgresStateError(.newerSchema(known: 3, found: 4)).isStoreFailure)
        #expect(PostgresStateError(.server(location: "postgres://u@h:5432/d", message: "m", sqlState: "57P01")).description
            == "the PostgreSQL state at postgres://u@h:5432/d failed: m (SQLSTATE 57P01)")
    }
}
