public import Checkpoint
import PostgresNIO

extension PostgresStateDatabase {
    /// Reserves the earliest slot at or after `now` for a request of key `keyID` (a hash of the API key,
    /// never the key) in `bucket` under `count` requests per `window` seconds, counting every host's
    /// reservations and any block one of them learnt, and returns `.tooFar` without reserving when that slot
    /// is more than `maxWait` away.
    ///
    /// The rules of the SQLite `KeyLedger.reserve`, now across hosts: no sliding window holds more than
    /// `count` requests, counted at their answers (`settleKeySlot`) plus `margin`, an unanswered one counting
    /// as now for at most 120 s; and requests start at least `window / count` apart. One transaction that
    /// first locks the (key, bucket) row (an upsert, which takes the row lock), so hosts reserving at once
    /// take turns and never compute the same slot.
    public func reserveKeySlot(
        keyID: String, bucket: String, count: Int, window: Double, margin: Double, now: Double, maxWait: Double
    ) async throws -> KeyLedger.Outcome {
        try await transaction { connection in
            let blocked = try await connection.query(
                """
                INSERT INTO key_bucket (key_id, bucket) VALUES (\(keyID), \(bucket))
                ON CONFLICT (key_id, bucket) DO UPDATE SET blocked_until = key_bucket.blocked_until
                RETURNING blocked_until
                """, logger: logger
            ).decode(Double.self).collectFirst() ?? 0
            let countedAt = "CASE WHEN settled THEN at ELSE least(greatest(at, $3), at + \(KeyLedger.inFlight)) END"
            var binds = PostgresBindings()
            binds.append(keyID)
            binds.append(bucket)
            binds.append(now)
            var deleteBinds = binds
            deleteBinds.append(now - window - margin)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "DELETE FROM key_slot WHERE key_id = $1 AND bucket = $2 AND \(countedAt) < $4", binds: deleteBinds),
                logger: logger)
            var counted: [Double] = []
            let countedRows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(countedAt) AS t FROM key_slot WHERE key_id = $1 AND bucket = $2 ORDER BY t", binds: binds),
                logger: logger)
            for try await t in countedRows.decode(Double.self) { counted.append(t) }
            let lastStart = try await connection.query(
                "SELECT max(start) FROM key_slot WHERE key_id = \(keyID) AND bucket = \(bucket)", logger: logger
            ).decode(Double?.self).collectFirst() ?? nil

            let at = KeyLedger.slot(
                now: now, blocked: blocked, lastStart: lastStart, counted: counted, count: count, window: window, margin: margin)
            if at - now > maxWait { return .tooFar(until: at) }
            guard let id = try await connection.query(
                "INSERT INTO key_slot (key_id, bucket, start, at) VALUES (\(keyID), \(bucket), \(at), \(at)) RETURNING id",
                logger: logger
            ).decode(Int64.self).collectFirst()
            else { throw PostgresStateError(.unreadableValue(table: "key_slot", column: "id", value: "none returned")) }
            return .reserved(KeyLedger.Reservation(id: id, at: at))
        }
    }

    /// Moves a slot to when its answer came (the server counted the request between the two), so the window
    /// never frees earlier than the server's.
    public func settleKeySlot(_ id: Int64, at time: Double) async throws {
        _ = try await serially { connection in
            try await connection.query(
                "UPDATE key_slot SET at = greatest(at, \(time)), settled = true WHERE id = \(id)", logger: logger)
        }
    }

    /// Gives back a slot whose request never left.
    public func releaseKeySlot(_ id: Int64) async throws {
        _ = try await serially { connection in
            try await connection.query("DELETE FROM key_slot WHERE id = \(id)", logger: logger)
        }
    }

    /// Blocks `bucket` of `keyID` for every host until `until` (a `Retry-After` or an exhausted `X-RateLimit-*`).
    public func blockKeyBucket(keyID: String, bucket: String, until: Double) async throws {
        _ = try await serially { connection in
            try await connection.query(
                """
                INSERT INTO key_bucket (key_id, bucket, blocked_until) VALUES (\(keyID), \(bucket), \(until))
                ON CONFLICT (key_id, bucket) DO UPDATE SET blocked_until = greatest(key_bucket.blocked_until, excluded.blocked_until)
                """, logger: logger)
        }
    }
}
