public import Checkpoint
import Foundation
public import Logging
public import PostgresCheckpoint

/// Where a job's state lives, as `--state` (or `ZIETT_BATCH_STATE`) names it: a SQLite file on this host
/// (any path), or a PostgreSQL database several hosts share (`postgres://user@host:port/db`, docs/postgres.md).
public enum StateLocation: Sendable, CustomStringConvertible {
    /// A state file.
    case file(String)
    /// A PostgreSQL state (prints without its password).
    case postgres(PostgresLocation)

    /// Reads `text`: a `postgres://` or `postgresql://` URL is a PostgreSQL state, anything else a path.
    /// Throws `PostgresLocationError` for a URL that does not parse (naming the wrong part, never echoing
    /// the password).
    public init(_ text: String) throws {
        try self.init(text, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads `text`, a URL's password from `environment`'s `PGPASSWORD` when it has none.
    public init(_ text: String, environment: [String: String]) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(parsing: text, environment: environment))
        } else {
            self = .file(text)
        }
    }

    /// True for a state several hosts share.
    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .postgres(let location): location.description
        }
    }

    /// Opens the state: a file for `access` (creating it for a writer), or a connection to the database
    /// (migrated), whose chunks this process holds as `holder` (default: `ZIETT_BATCH_HOST` or the host name,
    /// the process id and a random suffix) for `leaseSeconds` at a time; its session is named `ziett-batch <host>`
    /// (`PostgresLocation.forHost`).
    public func open(
        access: SQLiteStateStore.Access, clock: any WallClock = SystemWallClock(), leaseSeconds: Double = 120,
        holder: String? = nil, logger: Logger
    ) throws -> any StateStore {
        switch self {
        case .file(let path):
            return try SQLiteStateStore(path: path, access: access, clock: clock)
        case .postgres(let location):
            // This host's name in the leases and its run lock: `ZIETT_BATCH_HOST`, else the host name.
            let holder = holder ?? PostgresStateStore.defaultHolder(host: ProcessInfo.processInfo.environment["ZIETT_BATCH_HOST"])
            // The session is named after the same host the run lock uses (the holder's first part), so an
            // operator can end one host's sessions by name (docs/postgres.md, "When something goes away").
            let host = holder.split(separator: ":", maxSplits: 1).first.map(String.init) ?? holder
            return try PostgresStateStore.open(
                location: location.forHost(host), holder: holder, leaseSeconds: leaseSeconds, clock: clock, logger: logger)
        }
    }
}
