import Foundation
import SQLite

/// One API key's request budget, shared by every process on the machine that uses the key: a small
/// SQLite file of reserved request times per pacing bucket.
///
/// Why: the API limits a key, not a job. Two jobs on one key that each pace themselves at the full limit
/// together send twice it and draw 429 storms. Before each request a process reserves the earliest slot
/// that keeps every sliding window of the bucket (and the smooth spacing, `window / count`) within the
/// limit, counting every process's reservations, in one `BEGIN IMMEDIATE` transaction, so two processes
/// never take the same slot. The file is named by a hash of the key (`KeyBudget.fileName(forKey:)`), never the key.
///
/// Not part of a job's state: losing it (or its last writes, with `synchronous = NORMAL`) costs at worst
/// a 429 that the normal backoff handles, never a duplicate. A reservation whose request never left (a
/// stop while waiting) is released; one left by a killed process simply ages out of the window.
public final class KeyLedger {
    /// A reserved slot.
    public struct Reservation: Sendable, Equatable {
        /// Its row, to settle or release it.
        public var id: Int64
        /// When the request may leave (Unix seconds).
        public var at: Double

        /// Creates a reservation (the PostgreSQL state's key budget makes them too).
        public init(id: Int64, at: Double) {
            self.id = id
            self.at = at
        }
    }

    /// What a reservation attempt came to.
    public enum Outcome: Sendable, Equatable {
        /// A slot at `Reservation.at`.
        case reserved(Reservation)
        /// The earliest slot is later than the longest wait: nothing was reserved.
        case tooFar(until: Double)
    }

    private let database: SQLiteDatabase
    /// Seconds an unanswered slot counts as "now" at most (longer than any request timeout in use).
    public static let inFlight = 120.0
    /// The file.
    public var path: String { database.path }

    /// Opens (creating, mode 0600, in a 0700 directory) the ledger at `path`.
    public init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        database = try Self.openRetryingWhileBusy(path)
    }

    /// Two jobs started by one cron line open a new ledger at the same instant; switching it to WAL answers
    /// SQLITE_BUSY at once (no busy handler for that), and a job whose ledger failed paces alone, at the
    /// key's whole limit beside the other. So a busy open is tried again, for up to 5 s.
    private static func openRetryingWhileBusy(_ path: String) throws -> SQLiteDatabase {
        var attempts = 0
        while true {
            do {
                return try open(path)
            } catch {
                attempts += 1
                guard error.isBusy, attempts < 50 else { throw error }
            }
            usleep(100_000)
        }
    }

    private static func open(_ path: String) throws(SQLiteError) -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = NORMAL")
        try database.execute(
            """
            CREATE TABLE IF NOT EXISTS slot (
                bucket TEXT NOT NULL, start REAL NOT NULL, at REAL NOT NULL, settled INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS slot_bucket_at ON slot(bucket, at);
            CREATE TABLE IF NOT EXISTS block (bucket TEXT PRIMARY KEY, until REAL NOT NULL);
            """)
        // `served` (the server answered the request other than with 429) came after the first ledgers: added
        // to a file that lacks it; two processes adding it at once is not an error.
        if try database.scalar("SELECT count(*) FROM pragma_table_info('slot') WHERE name = 'served'") == 0 {
            do {
                try database.execute("ALTER TABLE slot ADD COLUMN served INTEGER NOT NULL DEFAULT 0")
            } catch {
                guard error.message.contains("duplicate column") else { throw error }
            }
        }
        return database
    }

    /// Reserves the earliest slot at or after `now` for a request in `bucket` under `count` requests per
    /// `window` seconds, after every slot other processes reserved and any block (`Retry-After`) one of them
    /// learnt, and returns `.tooFar` without reserving when that slot is more than `maxWait` away.
    ///
    /// Two rules: no sliding window holds more than `count` requests, counted at their answers (`settle`)
    /// plus `margin` (clock and network jitter); and requests *start* at least `window / count` apart, so
    /// a 120/min budget is one request every half second, not 120 in the first second. Spacing counts from
    /// starts, not answers, so a slow answer does not slow the pace below the limit.
    public func reserve(bucket: String, count: Int, window: Double, margin: Double, now: Double, maxWait: Double) throws -> Outcome {
        try database.transaction {
            try database.run(
                "DELETE FROM slot WHERE bucket = ?1 AND \(Self.countedAt) < ?3",
                [.text(bucket), .double(now), .double(now - window - margin)])
            let at = try earliestSlot(bucket: bucket, count: count, window: window, margin: margin, now: now)
            if at - now > maxWait { return .tooFar(until: at) }
            try database.run("INSERT INTO slot (bucket, start, at) VALUES (?, ?, ?)", [.text(bucket), .double(at), .double(at)])
            return .reserved(Reservation(id: database.lastInsertRowID, at: at))
        }
    }

    /// The slot `reserve` would give now, without reserving it (it may be gone by the time one asks).
    public func earliest(bucket: String, count: Int, window: Double, margin: Double, now: Double) throws -> Double {
        try earliestSlot(bucket: bucket, count: count, window: window, margin: margin, now: now)
    }

    /// When a slot counts in the window. A slot not yet answered may reach the server any moment until its
    /// answer (a process slowed down between its slot and its send): it counts as now (?2), for at most
    /// `inFlight` seconds (a killed process's slot then ages out like any other).
    private static let countedAt = "CASE WHEN settled = 1 THEN at ELSE min(max(at, ?2), at + \(inFlight)) END"

    private func earliestSlot(bucket: String, count: Int, window: Double, margin: Double, now: Double) throws -> Double {
        let counted = try database.query(
            "SELECT \(Self.countedAt) AS t FROM slot WHERE bucket = ?1 AND t >= ?3 ORDER BY t",
            [.text(bucket), .double(now), .double(now - window - margin)]) { $0.double(0) }
        let lastStart = try database.first("SELECT max(start) FROM slot WHERE bucket = ?", [.text(bucket)]) { $0.optionalDouble(0) } ?? nil
        let blocked = try database.first("SELECT until FROM block WHERE bucket = ?", [.text(bucket)]) { $0.double(0) } ?? 0
        return Self.slot(now: now, blocked: blocked, lastStart: lastStart, counted: counted, count: count, window: window, margin: margin)
    }

    /// The two rules of `reserve`, on what the ledger holds (the same for the PostgreSQL state's budget):
    /// the earliest time at or after `now` and `blocked` that starts `window / count` after `lastStart` and
    /// keeps every sliding window within `count`, given the times the slots in the window count at
    /// (`counted`, in order) plus `margin`.
    public static func slot(
        now: Double, blocked: Double, lastStart: Double?, counted: [Double], count: Int, window: Double, margin: Double
    ) -> Double {
        var at = max(now, blocked)
        if let lastStart { at = max(at, lastStart + window / Double(max(1, count))) }
        if counted.count >= count { at = max(at, counted[counted.count - count] + window + margin) }
        return at
    }

    /// How many requests of `bucket` the server certainly counted in its window when it received a request
    /// that started at `start` (after its slot) and was answered at `now`: a lower bound, never more.
    ///
    /// A request counts when the server answered it (other than with 429), its slot started at or after
    /// `now - window` and its answer came by `start`: it then reached the server after `now - window`,
    /// which is no earlier than the window of the request answered at `now`, and before that request
    /// did. Requests in flight, refused, lost, or of killed processes are not counted. So when this count
    /// (with the request itself) reaches the limit and the server answered that request with
    /// `X-RateLimit-Remaining: 0`, jobs sharing this ledger fill the window by themselves and nobody
    /// else is spending the key in it; any looser count (a first version counted every slot that had
    /// left) could take an outsider's requests for ours and walk into 429s.
    public func servedInWindow(bucket: String, window: Double, start: Double, now: Double) throws -> Int {
        Int(try database.scalar(
            "SELECT count(*) FROM slot WHERE bucket = ? AND served = 1 AND start >= ? AND at <= ?",
            [.text(bucket), .double(now - window), .double(start)]))
    }

    /// Moves a reservation to when its answer came (the server counted the request between the two), so
    /// the window never frees earlier than the server's.
    /// `served`: the server answered it, other than with 429 (so it certainly counted it).
    public func settle(_ id: Int64, at time: Double, served: Bool = false) throws {
        try database.run(
            "UPDATE slot SET at = max(at, ?), settled = 1, served = ? WHERE rowid = ?", [.double(time), .int(served ? 1 : 0), .int(id)])
    }

    /// Gives back a reservation whose request never left.
    public func release(_ id: Int64) throws {
        try database.run("DELETE FROM slot WHERE rowid = ?", [.int(id)])
    }

    /// Blocks `bucket` for every process until `until` (a `Retry-After` or an exhausted `X-RateLimit-*`).
    public func block(bucket: String, until: Double) throws {
        try database.run(
            "INSERT INTO block (bucket, until) VALUES (?, ?) ON CONFLICT(bucket) DO UPDATE SET until = max(until, excluded.until)",
            [.text(bucket), .double(until)])
    }
}
