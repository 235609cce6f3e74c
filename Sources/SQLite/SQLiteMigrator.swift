/// Applies numbered schema migrations once each, recording progress in `PRAGMA user_version`.
///
/// Each migration runs in its own transaction with the version bump, so a crash mid-migration leaves
/// the file at the previous version, never half-migrated.
public struct SQLiteMigrator: Sendable {
    /// One schema step.
    public struct Migration: Sendable {
        /// Short name, for errors.
        public var name: String
        /// The SQL to run.
        public var sql: String
        /// Creates a migration.
        public init(_ name: String, _ sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    /// The steps, in order; their index + 1 is their version.
    public var migrations: [Migration]

    /// Creates a migrator.
    public init(_ migrations: [Migration]) { self.migrations = migrations }

    /// Whether `database` is at exactly the version this build knows: if not, `migrate` has work (a new
    /// or older file) or refuses it (a newer one).
    public func isCurrent(_ database: SQLiteDatabase) throws -> Bool {
        Int(try database.scalar("PRAGMA user_version")) == migrations.count
    }

    /// Brings `database` up to the newest version.
    ///
    /// A file written by a newer ziett-batch (a higher version than this build knows) is refused rather
    /// than misread.
    public func migrate(_ database: SQLiteDatabase) throws {
        let current = Int(try database.scalar("PRAGMA user_version"))
        if current > migrations.count {
            throw SQLiteError(
                code: 1,
                message: "the state file has schema version \(current), newer than this ziett-batch knows "
                    + "(\(migrations.count)); use a newer ziett-batch",
                sql: nil, path: database.path)
        }
        for (index, migration) in migrations.enumerated() where index >= current {
            try database.transaction {
                try database.execute(migration.sql)
                try database.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}
