public import Checkpoint
import PostgresNIO
import Recipients

/// Expiry and the send-window reads of `StateStore+Windows.swift`, with the same row changes and answers.
extension PostgresStateDatabase {
    /// Records that a chunk will never be sent, the campaign having ended (`StateStore.markExpired`): the
    /// chunk becomes `expired` and its pending recipients `expired` with `reason`, in one transaction.
    ///
    /// Compare-and-set as in SQLite: the chunk must be `pending`, or `inflight` (after a look-up proved its
    /// request absent), else `chunkChangedUnderneath` and nothing changes. Under the outcomes' lease rule
    /// (`checkLease`): an in-flight chunk only by `holder` with its live lease (`leaseLost` otherwise), a
    /// pending one only while no other host holds a live lease on it (`leasedByAnother`), since that host
    /// may be committing its intent to send it. The lease is cleared: nothing is left to do with the chunk.
    public func markExpired(jobID: Int64, seq: Int, holder: String, reason: String, now: Double) async throws {
        try await transaction { connection in
            try await checkLease(jobID: jobID, seq: seq, holder: holder, now: now, on: connection)
            // `checkLease` locked the row, so its state cannot change before the update below.
            let state = try await connection.query(
                "SELECT state FROM chunk WHERE job_id = \(jobID) AND seq = \(seq)", logger: logger
            ).decode(String.self).collectFirst()
            guard let state, state == ChunkState.pending.rawValue || state == ChunkState.inflight.rawValue else {
                throw PostgresStateError(.chunkChangedUnderneath(jobID: jobID, seq: seq, found: state ?? "missing"))
            }
            try await connection.query(
                """
                UPDATE chunk SET state = 'expired', in_doubt = 0, not_before = NULL, updated_at = \(now),
                    lease_holder = NULL, lease_expires_at = NULL
                WHERE job_id = \(jobID) AND seq = \(seq)
                """, logger: logger)
            try await connection.query(
                """
                UPDATE recipient SET status = 'expired', reason = \(reason), updated_at = \(now)
                WHERE job_id = \(jobID) AND chunk = \(seq) AND status = 'pending'
                """, logger: logger)
        }
    }

    /// Expires every pending row not cut into a chunk yet, the campaign having ended
    /// (`StateStore.expireUncut`). Returns how many rows expired.
    ///
    /// Touches no chunk, so takes no lease; it locks the job row, as `cutChunks` does, so a host cutting
    /// the same rows at the same moment either cuts them first (they are then not uncut) or finds them
    /// expired, never assigns a row this expires.
    @discardableResult
    public func expireUncut(jobID: Int64, reason: String, now: Double) async throws -> Int {
        try await transaction { connection in
            try await connection.query("SELECT id FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger)
            return try await connection.query(
                """
                WITH expired AS (
                    UPDATE recipient SET status = 'expired', reason = \(reason), updated_at = \(now)
                    WHERE job_id = \(jobID) AND status = 'pending' AND chunk IS NULL
                    RETURNING 1)
                SELECT count(*) FROM expired
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }

    /// Pending rows by window group, largest first, then by group as SQLite orders it: bytewise
    /// (`COLLATE "C"`, whatever the database's collation), rows without a group first (`NULLS FIRST`:
    /// PostgreSQL puts NULL last by default) (`StateStore.pendingWindowGroups`).
    public func pendingWindowGroups(jobID: Int64) async throws -> [WindowGroupCount] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT window_group, count(*) FROM recipient WHERE job_id = \(jobID) AND status = 'pending'
                GROUP BY window_group ORDER BY count(*) DESC, window_group COLLATE "C" NULLS FIRST
                """, logger: logger)
            var groups: [WindowGroupCount] = []
            for try await (group, count) in rows.decode((String?, Int).self) { groups.append(WindowGroupCount(group: group, rows: count)) }
            return groups
        }
    }

    /// Rows by libphonenumber number type, every row with a valid number whatever its status
    /// (`StateStore.numberTypeCounts`): stored as the type's code, read back as its name (a name stored
    /// by an older file is kept as it is).
    public func numberTypeCounts(jobID: Int64) async throws -> [String: Int] {
        try await serially { connection in
            let rows = try await connection.query(
                "SELECT number_type, count(*) FROM recipient WHERE job_id = \(jobID) AND number_type IS NOT NULL GROUP BY 1",
                logger: logger)
            var counts: [String: Int] = [:]
            for try await (type, count) in rows.decode((String, Int).self) {
                let name = UInt8(type).flatMap(PhoneNumberType.init(code:))?.rawValue ?? type
                counts[name, default: 0] += count
            }
            return counts
        }
    }
}
