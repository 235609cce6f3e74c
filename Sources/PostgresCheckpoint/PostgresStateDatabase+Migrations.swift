import PostgresNIO

extension PostgresStateDatabase {
    /// Brings the schema up to date, in one transaction under an advisory transaction lock, so hosts that
    /// start together migrate once: the second waits for the first, then finds nothing to do. Returns the
    /// ids of the migrations it applied.
    ///
    /// Throws `PostgresStateError.newerSchema` when the database has migrations this version does not know.
    @discardableResult
    public func migrate(now: Double) async throws -> [Int] {
        try await transaction { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(AdvisoryLockKey.migrationPurpose), 0)", logger: logger)
            // The one table made "if not exists": it records the others. Safe under the lock above.
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migration (
                    id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)
                """, logger: logger)
            var applied = Set<Int>()
            for try await id in try await connection.query("SELECT id FROM schema_migration", logger: logger).decode(Int.self) {
                applied.insert(id)
            }
            let known = PostgresSchema.migrations.count
            if let newest = applied.max(), newest > known {
                throw PostgresStateError(.newerSchema(known: known, found: newest))
            }
            var done: [Int] = []
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migration (id, name, applied_at) VALUES (\(migration.id), \(migration.name), \(now))",
                    logger: logger)
                done.append(migration.id)
            }
            return done
        }
    }

    /// The ids of the applied migrations, in order (empty before the first `migrate`).
    public func appliedMigrations() async throws -> [Int] {
        try await serially { connection in
            let exists = try await connection.query("SELECT to_regclass('schema_migration') IS NOT NULL", logger: logger)
                .decode(Bool.self).collectFirst() ?? false
            guard exists else { return [] }
            var ids: [Int] = []
            for try await id in try await connection.query("SELECT id FROM schema_migration ORDER BY id", logger: logger).decode(Int.self) {
                ids.append(id)
            }
            return ids
        }
    }
}

extension AsyncSequence {
    /// The first element, if any (the rest are discarded).
    func collectFirst() async throws -> Element? {
        for try await element in self { return element }
        return nil
    }
}
