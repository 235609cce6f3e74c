import Foundation
import Logging
import PostgresCheckpoint
import PostgresNIO
import Testing

/// The PostgreSQL server the tests run against: `ZIETT_TEST_POSTGRES_URL`, which `scripts/with-postgres`
/// sets (and `scripts/test` runs every test under it). Each test gets a database of its own, created
/// empty and dropped however the test ends, so tests run in parallel.
///
/// Without the URL the server tests are skipped with the reason shown, except under `CI=true`: there
/// they run and fail, so CI can never pass by skipping them.
enum TestServer {
    static let environment = ProcessInfo.processInfo.environment
    static let url = environment["ZIETT_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// Whether the server tests run: a server is given, or CI must not skip them.
    static let enabled = url != nil || environment["CI"] == "true"
    static let skipReason: Comment = "ZIETT_TEST_POSTGRES_URL is not set: run under scripts/with-postgres (scripts/test does)"

    static let logger = Logger(label: "ziett-batch.postgres-tests")

    /// The server's maintenance database, from which test databases are made.
    static func adminLocation() throws -> PostgresLocation {
        guard let url else {
            throw TestServerError("CI=true but ZIETT_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run under scripts/with-postgres")
        }
        return try PostgresLocation(parsing: url, environment: environment)
    }

    /// Runs `body` with the location of a new, empty database, dropped afterwards (passed, failed or thrown).
    static func withDatabase<T>(_ body: (PostgresLocation) async throws -> T) async throws -> T {
        let admin = try adminLocation()
        let name = "ziett_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await withRawConnection(admin) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var location = admin
        location.database = name
        do {
            let result = try await body(location)
            try await drop(name, admin: admin)
            return result
        } catch {
            try? await drop(name, admin: admin)
            throw error
        }
    }

    private static func drop(_ name: String, admin: PostgresLocation) async throws {
        try await withRawConnection(admin) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` on a plain driver connection to `location`, closed afterwards: for what the tests check
    /// or break behind the store's back.
    @discardableResult
    static func withRawConnection<T>(_ location: PostgresLocation, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 99, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A migrated store on `location`, closed after `body`. A test may kill its connection on purpose
    /// (a host that dies): closing it is then no check of this helper's.
    static func withStore<T>(_ location: PostgresLocation, _ body: (PostgresStateDatabase) async throws -> T) async throws -> T {
        try await withStores(1, location) { stores in
            try await stores[0].migrate(now: 1_000)
            return try await body(stores[0])
        }
    }

    /// `count` connected (not migrated) stores on `location`, all closed after `body`, however it ends.
    static func withStores<T>(_ count: Int, _ location: PostgresLocation, _ body: ([PostgresStateDatabase]) async throws -> T) async throws -> T {
        var stores: [PostgresStateDatabase] = []
        do {
            for _ in 0..<count { stores.append(try await PostgresStateDatabase.connect(to: location, logger: logger)) }
            let result = try await body(stores)
            for store in stores { try? await store.close() }
            return result
        } catch {
            for store in stores { try? await store.close() }
            throw error
        }
    }
}

struct TestServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension PostgresConnection {
    /// The values of a one-column query.
    func values<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type) async throws -> [T] {
        var values: [T] = []
        for try await value in try await self.query(query, logger: TestServer.logger).decode(T.self) { values.append(value) }
        return values
    }
}
