public import Checkpoint
import Crypto

/// One API key's request budget kept in the PostgreSQL state, shared by every host (and every job) that
/// sends with the key: the `KeySlotLedger` the gate uses when the state is PostgreSQL, where the SQLite
/// `KeyLedger` file only serves the jobs of one machine. The rules are `KeyLedger`'s, ported in
/// `PostgresStateDatabase+KeyBudget.swift`; the tests hold the two to the same answers.
///
/// Why synchronous over an async database: `KeySlotLedger` is (the gate asks it between sends, one call at a
/// time, like the rest of the `StateStore` seam). Each call runs to its end on the store's `BlockingExecutor`
/// thread, never needing a thread of Swift's cooperative pool, on the store's one connection (the
/// database's calls take turns there). The key itself is never stored: rows carry `keyID`, a hash of it.
public final class PostgresKeyLedger: KeySlotLedger, Sendable {
    /// "postgres key budget <key id> at <location without its password>", for messages.
    public let path: String
    /// The hash of the API key that the rows carry (`keyID(forKey:)`).
    public let keyID: String
    private let database: PostgresStateDatabase
    private let executor: BlockingExecutor

    /// The ledger of key `keyID` in `database`, whose calls run on `executor` (the store's, shared by all
    /// its operations; see `BlockingExecutor` for why a thread of its own). `location`: where `database` is,
    /// without its password (`PostgresLocation.description`), for `path`.
    init(database: PostgresStateDatabase, executor: BlockingExecutor, keyID: String, location: String) {
        self.database = database
        self.executor = executor
        self.keyID = keyID
        path = "postgres key budget \(keyID) at \(location)"
    }

    /// The key's id in the state: the hex of the first 12 bytes of a SHA-256 of the key, the same hash that
    /// names the machine-local ledger file (`KeyBudget.fileName(forKey:)`, "key-<id>.sqlite"), so an operator
    /// can tell both belong to one key; 96 bits, so two keys never share a budget by accident, and the key
    /// cannot be read back from it.
    public static func keyID(forKey apiKey: String) -> String {
        let digest = SHA256.hash(data: Array("ziett-batch/key-ledger/v2\u{0}\(apiKey)".utf8))
        return digest.prefix(12).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    public func reserve(bucket: String, count: Int, window: Double, margin: Double, now: Double, maxWait: Double) throws -> KeyLedger.Outcome {
        try executor.run { [database, keyID] in
            try await database.reserveKeySlot(
                keyID: keyID, bucket: bucket, count: count, window: window, margin: margin, now: now, maxWait: maxWait)
        }
    }

    public func earliest(bucket: String, count: Int, window: Double, margin: Double, now: Double) throws -> Double {
        try executor.run { [database, keyID] in
            try await database.earliestKeySlot(keyID: keyID, bucket: bucket, count: count, window: window, margin: margin, now: now)
        }
    }

    public func servedInWindow(bucket: String, window: Double, start: Double, now: Double) throws -> Int {
        try executor.run { [database, keyID] in
            try await database.servedKeySlots(keyID: keyID, bucket: bucket, window: window, start: start, now: now)
        }
    }

    public func settle(_ id: Int64, at time: Double, served: Bool) throws {
        try executor.run { [database] in try await database.settleKeySlot(id, at: time, served: served) }
    }

    public func release(_ id: Int64) throws {
        try executor.run { [database] in try await database.releaseKeySlot(id) }
    }

    public func block(bucket: String, until: Double) throws {
        try executor.run { [database, keyID] in try await database.blockKeyBucket(keyID: keyID, bucket: bucket, until: until) }
    }
}
