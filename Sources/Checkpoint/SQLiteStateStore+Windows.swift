import Recipients
import SQLite

/// Rows waiting for a send window, by window group: how many, and the group's time zones.
public struct WindowGroupCount: Sendable, Equatable {
    /// The group (time zones, space-separated); nil for rows without one (the job has no send window).
    public var group: String?
    /// Pending rows in it.
    public var rows: Int

    /// Creates a count.
    public init(group: String?, rows: Int) {
        self.group = group
        self.rows = rows
    }
}

extension SQLiteStateStore {
    /// Records that a chunk will never be sent: the campaign ended (`--not-after`) before it went. The
    /// chunk becomes `expired` and its pending recipients `expired` with `reason`, in one transaction.
    ///
    /// Compare-and-set: the chunk must be `pending`, or `inflight` after a look-up proved its request
    /// absent (`StateStoreError.chunkChangedUnderneath` otherwise, and nothing changes).
    public func markExpired(jobID: Int64, seq: Int, reason: String) throws {
        let now = clock.now()
        try database.transaction {
            try database.run(
                """
                UPDATE chunk SET state = 'expired', in_doubt = 0, not_before = NULL, updated_at = ?
                WHERE job_id = ? AND seq = ? AND state IN ('pending', 'inflight')
                """, [.double(now), .int(jobID), .int(seq)])
            guard database.changes == 1 else {
                throw StateStoreError(.chunkChangedUnderneath(jobID: jobID, seq: seq, expected: "pending"), path: path)
            }
            try database.run(
                "UPDATE recipient SET status = 'expired', reason = ?, updated_at = ? WHERE job_id = ? AND chunk = ? AND status = 'pending'",
                [.text(reason), .double(now), .int(jobID), .int(seq)])
        }
    }

    /// Expires every pending row not cut into a chunk yet (the campaign ended): one transaction.
    /// Returns how many rows expired.
    @discardableResult
    public func expireUncut(jobID: Int64, reason: String) throws -> Int {
        try database.transaction {
            try database.run(
                "UPDATE recipient SET status = 'expired', reason = ?, updated_at = ? WHERE job_id = ? AND status = 'pending' AND chunk IS NULL",
                [.text(reason), .double(clock.now()), .int(jobID)])
            return database.changes
        }
    }

    /// Pending rows by window group, largest first (*read*): what waits for which window.
    public func pendingWindowGroups(jobID: Int64) throws -> [WindowGroupCount] {
        try database.query(
            "SELECT window_group, count(*) FROM recipient WHERE job_id = ? AND status = 'pending' GROUP BY 1 ORDER BY 2 DESC, 1",
            [.int(jobID)]) { WindowGroupCount(group: $0.optionalText(0), rows: $0.int(1)) }
    }

    /// Rows by libphonenumber number type (*read*): every row whose number is valid, whatever its status.
    public func numberTypeCounts(jobID: Int64) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (type, count) in try database.query(
            "SELECT number_type, count(*) FROM recipient WHERE job_id = ? AND number_type IS NOT NULL GROUP BY 1",
            [.int(jobID)], { ($0.text(0), $0.int(1)) })
        {
            // Stored as the type's code; a name in files written before the code.
            let name = UInt8(type).flatMap(PhoneNumberType.init(code:))?.rawValue ?? type
            counts[name, default: 0] += count
        }
        return counts
    }
}
