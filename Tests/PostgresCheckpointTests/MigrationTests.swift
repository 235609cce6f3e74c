import Checkpoint
import Foundation
@testable import PostgresCheckpoint
import PostgresNIO
import SQLite
import TestSupport
import Testing

@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason), .temporaryFiles)
struct MigrationTests {
    /// Every migration this build knows, in order.
    static let all = PostgresSchema.migrations.map(\.id)

    @Test func migratesAnEmptyDatabaseOnceThenHasNothingToDo() async throws {
        try await TestServer.withDatabase { location in
            try await PostgresStateDatabase.withConnection(to: location, logger: TestServer.logger) { store async throws in
                #expect(try await store.appliedMigrations() == [])
                #expect(try await store.migrate(now: 1) == Self.all)
                #expect(try await store.migrate(now: 2) == [])
                #expect(try await store.appliedMigrations() == Self.all)
            }
        }
    }

    @Test func hostsMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await TestServer.withDatabase { location in
            // Connected first, so the four migrations start together.
            let applied = try await TestServer.withStores(4, location) { stores in
                try await withThrowingTaskGroup(of: [Int].self) { group in
                    for store in stores { group.addTask { try await store.migrate(now: 1) } }
                    return try await group.reduce(into: [[Int]]()) { $0.append($1) }
                }
            }
            // Exactly one host applied everything; the others found it done.
            #expect(applied.sorted { $0.count > $1.count } == [Self.all, [], [], []])
            let rows = try await TestServer.withRawConnection(location) { connection in
                try await connection.values("SELECT id FROM schema_migration ORDER BY id", as: Int.self)
            }
            #expect(rows == Self.all)
        }
    }

    @Test func refusesADatabaseMigratedByANewerVersion() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { _ in }
            try await TestServer.withRawConnection(location) { connection in
                try await connection.query("INSERT INTO schema_migration (id, name, applied_at) VALUES (99, 'future', 0)", logger: TestServer.logger)
            }
            _ = try await TestServer.withStores(1, location) { stores async throws in
                await #expect(throws: PostgresStateError(.newerSchema(known: Self.all.count, found: 99))) { try await stores[0].migrate(now: 3) }
            }
        }
    }

    /// The same tables and columns as the SQLite state file (a real one, made by `StateStore`), plus the lease.
    @Test func hasTheSQLiteStateTablesAndColumnsPlusTheLease() async throws {
        let path = TemporaryFiles.root! + "/state.sqlite"
        _ = try SQLiteStateStore(path: path)
        let sqlite = try SQLiteDatabase(path: path, create: false, readOnly: true)
        let tables = ["job", "recipient", "chunk", "attempt", "suppression"]
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { _ in }
            try await TestServer.withRawConnection(location) { connection in
                for table in tables {
                    let expected = try sqlite.query("SELECT name FROM pragma_table_info(?)", [.text(table)]) { $0.text(0) }
                    let found = try await connection.values(
                        "SELECT column_name::text FROM information_schema.columns WHERE table_name = \(table) ORDER BY column_name",
                        as: String.self)
                    let added = table == "chunk" ? ["lease_expires_at", "lease_holder"] : []
                    #expect(found == (expected + added).sorted(), "table \(table)")
                }
            }
        }
    }

    /// `key_slot` has the columns of the SQLite `KeyLedger`'s `slot` (a real ledger file), plus its id (the
    /// SQLite rowid) and the key it belongs to (one SQLite file per key).
    @Test func keySlotHasTheSQLiteLedgersColumnsPlusTheKey() async throws {
        let path = TemporaryFiles.root! + "/key.sqlite"
        _ = try KeyLedger(path: path)
        let sqlite = try SQLiteDatabase(path: path, create: false, readOnly: true)
        let expected = try sqlite.query("SELECT name FROM pragma_table_info('slot')") { $0.text(0) }
        #expect(expected.contains("served"))
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { _ in }
            let found = try await TestServer.withRawConnection(location) { connection in
                try await connection.values(
                    "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'key_slot' ORDER BY column_name",
                    as: String.self)
            }
            #expect(found == (expected + ["id", "key_id"]).sorted())
        }
    }

    /// Slots reserved before `served` existed were never marked: migration 4 leaves them unserved (a lower
    /// bound may miss a request, never invent one), and they still count in the window.
    @Test func slotsFromBeforeTheServedColumnAreNotServed() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withRawConnection(location) { connection in
                try await connection.query(
                    "CREATE TABLE schema_migration (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)",
                    logger: TestServer.logger)
                for migration in PostgresSchema.migrations where migration.id < 4 {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestServer.logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migration (id, name, applied_at) VALUES (\(migration.id), \(migration.name), 1)",
                        logger: TestServer.logger)
                }
                try await connection.query("INSERT INTO key_bucket (key_id, bucket) VALUES ('k1', 'b')", logger: TestServer.logger)
                try await connection.query(
                    "INSERT INTO key_slot (key_id, bucket, start, at, settled) VALUES ('k1', 'b', 1, 1.5, true)", logger: TestServer.logger)
            }
            try await PostgresStateDatabase.withConnection(to: location, logger: TestServer.logger) { store async throws in
                #expect(try await store.migrate(now: 2) == [4])
                #expect(try await store.servedKeySlots(keyID: "k1", bucket: "b", window: 10, start: 5, now: 6) == 0)
                #expect(try await store.earliestKeySlot(keyID: "k1", bucket: "b", count: 1, window: 10, margin: 0, now: 2) == 11.5)
            }
        }
    }

    @Test func requireRefusesAServerWithoutTLSAndPreferFallsBackToPlain() async throws {
        try await TestServer.withDatabase { location in
            var required = location
            required.sslMode = .require
            await #expect {
                try await PostgresStateDatabase.withConnection(to: required, logger: TestServer.logger) { _ in }
            } throws: { error in
                guard let error = error as? PostgresStateError, case .cannotConnect(let shown, _) = error.reason else { return false }
                return shown == required.description
            }
            var preferred = location
            preferred.sslMode = .prefer
            try await TestServer.withStores(1, preferred) { stores async throws in
                #expect(try await stores[0].migrate(now: 1) == Self.all)
            }
        }
    }
}
