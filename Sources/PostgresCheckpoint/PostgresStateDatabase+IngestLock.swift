import PostgresNIO

extension PostgresStateDatabase {
    /// Whether this host may ingest a job's CSV.
    public enum IngestOwnership: Sendable, Equatable {
        /// This connection holds the job's ingest lock until `releaseIngestLock` or until it closes.
        case acquired
        /// Another connection (host) holds it: wait and try again, or exit 75 (`EX_TEMPFAIL`).
        case busy
    }

    /// Tries to take the ingest lock of `jobName`, without waiting: a session advisory lock, so a host that
    /// dies or loses its connection mid-ingest frees it at once (its rows are committed with their offset,
    /// so the next owner continues where it stopped). Taking it again on the same database is a no-op.
    public func tryIngestLock(jobName: String) async throws -> IngestOwnership {
        // Checked and recorded inside `serially`, so two calls at once on this database take one server lock.
        let taken = try await serially { connection in
            if heldIngestLocks.contains(jobName) { return true }
            let taken = try await connection.query(
                "SELECT pg_try_advisory_lock(\(AdvisoryLockKey.ingestPurpose), \(AdvisoryLockKey.objectKey(jobName)))",
                logger: logger
            ).decode(Bool.self).collectFirst() ?? false
            if taken { heldIngestLocks.insert(jobName) }
            return taken
        }
        return taken ? .acquired : .busy
    }

    /// Gives the ingest lock of `jobName` back (nothing when this database does not hold it).
    public func releaseIngestLock(jobName: String) async throws {
        try await serially { connection in
            guard heldIngestLocks.contains(jobName) else { return }
            try await connection.query(
                "SELECT pg_advisory_unlock(\(AdvisoryLockKey.ingestPurpose), \(AdvisoryLockKey.objectKey(jobName)))",
                logger: logger)
            heldIngestLocks.remove(jobName)
        }
    }

    /// Takes the lock of `jobName`'s run on `host` (a session advisory lock of its own purpose), held until the
    /// connection ends: one sending run of a job per host. False while another session holds it.
    public func tryRunLock(jobName: String, host: String) async throws -> Bool {
        try await serially { connection in
            try await connection.query(
                "SELECT pg_try_advisory_lock(\(AdvisoryLockKey.runPurpose), \(AdvisoryLockKey.objectKey(host + "\u{0}" + jobName)))",
                logger: logger
            ).decode(Bool.self).collectFirst() ?? false
        }
    }
}
