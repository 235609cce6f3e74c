public import Logging
import PostgresNIO

/// One host's connection to the PostgreSQL state, and every operation the hosts of a job coordinate
/// through: migrations, the ingest lock, chunk leases, the intent commit, the shared key budget, and the
/// state operations ported from `StateStore` (ingest, the cut, the outcomes, the reads).
///
/// Why one connection and not a pool: the ingest lock is a *session* advisory lock, held by this
/// connection until released or until the connection dies (a host that dies mid-ingest frees it at once).
/// Operations run one at a time on it (`serially`), each one transaction or one statement, so no
/// operation ever sees another's half-done transaction; two hosts are simply two databases.
///
/// A failed `COMMIT` (say, the connection dropped) leaves its transaction's outcome unknown: the caller must
/// treat it like any in-doubt case (for `markInFlight`: do not send; the next leaser looks the chunk up).
public actor PostgresStateDatabase {
    /// Where it is connected (prints without the password).
    public nonisolated let location: PostgresLocation
    let connection: PostgresConnection
    let logger: Logger
    /// True while an operation uses the connection; the others wait in `waiting`, in order.
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Jobs whose ingest lock this connection holds (a session lock taken twice would need two unlocks).
    var heldIngestLocks: Set<String> = []

    private init(location: PostgresLocation, connection: PostgresConnection, logger: Logger) {
        self.location = location
        self.connection = connection
        self.logger = logger
    }

    /// Connects to `location` (TLS as its `sslmode` asks), the session named `location.applicationName` and
    /// asking for TCP keepalives (`sessionSettings`). Does not migrate: call `migrate()`.
    public static func connect(to location: PostgresLocation, logger: Logger) async throws(PostgresStateError) -> PostgresStateDatabase {
        do {
            let tls: PostgresConnection.Configuration.TLS
            switch location.sslMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.user, password: location.password,
                database: location.database, tls: tls)
            // Startup parameters, not `SET`s after connecting: the session has its name from its first moment in
            // `pg_stat_activity` (an operator ending a host's sessions must not miss one still connecting), and
            // no round trip is spent on them.
            configuration.options.additionalStartupParameters =
                [("application_name", location.applicationName ?? PostgresLocation.defaultApplicationName)] + Self.sessionSettings
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            return PostgresStateDatabase(location: location, connection: connection, logger: logger)
        } catch {
            throw PostgresStateError(.cannotConnect(location: location.description, detail: Self.detail(of: error)))
        }
    }

    /// Closes the connection; the server then releases every session lock it held. Every database that
    /// `connect` returned must be closed (the driver asserts it in debug builds); `withConnection(to:logger:_:)` does it.
    public func close() async throws {
        try await connection.close()
    }

    /// Connects to `location`, runs `body`, and closes the connection however `body` ends.
    public static func withConnection<T>(
        to location: PostgresLocation, logger: Logger, _ body: (PostgresStateDatabase) async throws -> T
    ) async throws -> T {
        let database = try await connect(to: location, logger: logger)
        let result: T
        do {
            result = try await body(database)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
        return result
    }

    /// The server probes each session's TCP connection: a host that loses power or its network would
    /// otherwise keep its session, and so its run and ingest locks, until the operating system's default
    /// keepalive notices (about 2 hours); with these, within about 2 minutes. (Ignored on a Unix socket.)
    static let sessionSettings = [("tcp_keepalives_idle", "60"), ("tcp_keepalives_interval", "10"), ("tcp_keepalives_count", "6")]

    /// Runs `body` with the connection once no other operation is using it.
    func serially<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        // A connection the server ended while idle (an administrator, a failover): without this check a
        // query on it was seen to wait for ever in postgres-nio 1.33 (docs/postgres.md, "What remains").
        guard !connection.isClosed else {
            throw PostgresStateError(.server(location: location.description, message: "the connection is closed", sqlState: nil))
        }
        // It may close after this check, before the query reaches it: the query is then never answered, and the
        // caller waiting in `BlockingExecutor.run` gives it up once it sees the connection closed.
        BlockingExecutor.connectionProbe?.watch { [connection] in connection.isClosed }
        do {
            return try await body(connection)
        } catch let error as PSQLError {
            // The driver's description is deliberately generic ("PSQLError"); the server's message is what helps.
            let (message, sqlState) = Self.serverMessage(of: error)
            throw PostgresStateError(.server(location: location.description, message: message, sqlState: sqlState))
        }
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`, `ROLLBACK` when it throws), rethrowing `body`'s own
    /// error (postgres-nio's `withTransaction` would wrap it).
    func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await serially { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                // After a failed COMMIT the server has already ended the transaction; ROLLBACK is then a no-op.
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Runs `body` in one read-only `REPEATABLE READ` transaction: every query in it reads the same snapshot,
    /// so rows another host moves meanwhile are seen once, before or after the move.
    func snapshot<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }

    /// Walks rows in keyset pages inside one `snapshot`: `query(after)` selects the rows whose key is
    /// greater than `after`, in key order, at most `pageRows` of them (an index seek each), and `body`
    /// returns each row's key. Memory holds one page whatever the job's size; a short page ends the walk.
    func forEachPage(
        pageRows: Int, _ query: (_ after: Int64) -> PostgresQuery, _ body: (PostgresRow) throws -> Int64
    ) async throws {
        try await snapshot { connection in
            var after = Int64.min
            while true {
                var read = 0
                for try await row in try await connection.query(query(after), logger: logger) {
                    after = try body(row)
                    read += 1
                }
                if read < pageRows { return }
            }
        }
    }

    /// The server's message for a driver error (its `description` is deliberately generic), else the error.
    nonisolated static func detail(of error: any Error) -> String {
        if let error = error as? PSQLError {
            let (message, sqlState) = serverMessage(of: error)
            return message + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
        }
        return "\(error)"
    }

    /// The server's message and SQLSTATE of a driver error; without an answer from the server (the
    /// connection closed, a timeout), the driver's error code. Never the configuration, so never the password.
    nonisolated static func serverMessage(of error: PSQLError) -> (message: String, sqlState: String?) {
        if let message = error.serverInfo?[.message] {
            let detail = error.serverInfo?[.detail].map { message + ": " + $0 } ?? message
            return (detail, error.serverInfo?[.sqlState])
        }
        return ("\(error.code)", nil)
    }
}
