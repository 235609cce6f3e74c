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
            // Slots out of the window for good (an answered one never moves back; an unanswered one only ages).
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "DELETE FROM key_slot WHERE key_id = $1 AND bucket = $2 AND \(Self.countedAt) < $4",
                    binds: Self.keySlotBindings(keyID: keyID, bucket: bucket, now: now, from: now - window - margin)),
                logger: logger)
            let (counted, lastStart) = try await keySlotsInWindow(
                connection, keyID: keyID, bucket: bucket, now: now, from: now - window - margin)
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

    /// The slot `reserveKeySlot` would give now, without reserving it (another host may take it first):
    /// `KeyLedger.earliest`. Reads only (nothing is deleted or locked), in one snapshot so the block, the
    /// slots and the last start are of one moment.
    public func earliestKeySlot(keyID: String, bucket: String, count: Int, window: Double, margin: Double, now: Double) async throws -> Double {
        try await snapshot { connection in
            let blocked = try await connection.query(
                "SELECT blocked_until FROM key_bucket WHERE key_id = \(keyID) AND bucket = \(bucket)", logger: logger
            ).decode(Double.self).collectFirst() ?? 0
            let (counted, lastStart) = try await keySlotsInWindow(
                connection, keyID: keyID, bucket: bucket, now: now, from: now - window - margin)
            return KeyLedger.slot(
                now: now, blocked: blocked, lastStart: lastStart, counted: counted, count: count, window: window, margin: margin)
        }
    }

    /// How many requests of `bucket` of `keyID` the server certainly counted in its window when it received a
    /// request that started at `start` and was answered at `now`: `KeyLedger.servedInWindow`, a lower bound
    /// (see its doc for why each rule). Counted: slots answered other than with 429 (`served`) that started
    /// at or after `now - window` and were answered by `start`; never one in flight, refused or lost.
    public func servedKeySlots(keyID: String, bucket: String, window: Double, start: Double, now: Double) async throws -> Int {
        try await serially { connection in
            try await connection.query(
                """
                SELECT count(*) FROM key_slot
                WHERE key_id = \(keyID) AND bucket = \(bucket) AND served AND start >= \(now - window) AND at <= \(start)
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }

    /// Moves a slot to when its answer came (the server counted the request between the two), so the window
    /// never frees earlier than the server's. `served`: the server answered it other than with 429, so it
    /// certainly counted it (`servedKeySlots`); false, as in `KeyLedger.settle`, when unsaid.
    public func settleKeySlot(_ id: Int64, at time: Double, served: Bool = false) async throws {
        _ = try await serially { connection in
            try await connection.query(
                "UPDATE key_slot SET at = greatest(at, \(time)), settled = true, served = \(served) WHERE id = \(id)", logger: logger)
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

    /// When a slot counts in the window (`KeyLedger`'s rule): at its answer once settled; until then as now
    /// (`$3`), since the request may reach the server any moment, for at most `KeyLedger.inFlight` seconds.
    private static let countedAt = "CASE WHEN settled THEN at ELSE least(greatest(at, $3), at + \(KeyLedger.inFlight)) END"

    /// What `KeyLedger.slot` needs of the stored slots, read as `KeyLedger` reads them: the times the slots
    /// still in the window count at (from `from`, the window's start less the margin), in order, and the last
    /// start of any slot. Older slots could not move the answer (each would allow `now` or earlier); they
    /// are left out, as `KeyLedger` leaves them out, to read only the window's rows.
    private func keySlotsInWindow(
        _ connection: PostgresConnection, keyID: String, bucket: String, now: Double, from: Double
    ) async throws -> (counted: [Double], lastStart: Double?) {
        var counted: [Double] = []
        let countedRows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT t FROM (SELECT \(Self.countedAt) AS t FROM key_slot WHERE key_id = $1 AND bucket = $2) AS slot
                    WHERE t >= $4 ORDER BY t
                    """,
                binds: Self.keySlotBindings(keyID: keyID, bucket: bucket, now: now, from: from)),
            logger: logger)
        for try await t in countedRows.decode(Double.self) { counted.append(t) }
        let lastStart = try await connection.query(
            "SELECT max(start) FROM key_slot WHERE key_id = \(keyID) AND bucket = \(bucket)", logger: logger
        ).decode(Double?.self).collectFirst() ?? nil
        return (counted, lastStart)
    }

    /// `$1` key id, `$2` bucket, `$3` now, `$4` the window's start less the margin: what `countedAt` and the
    /// window's bound refer to.
    private static func keySlotBindings(keyID: String, bucket: String, now: Double, from: Double) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(keyID)
        binds.append(bucket)
        binds.append(now)
        binds.append(from)
        return binds
    }
}
