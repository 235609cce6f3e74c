public import Checkpoint
import Foundation
public import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL state as a `StateStore`: what several hosts sharing one job use instead of a state file.
///
/// Every method is one `PostgresStateDatabase` operation (or two, named in its doc) run to its end on the
/// store's own thread (`BlockingExecutor`) while the caller waits, with `clock.now()` read on the caller's
/// thread and this host's `holder` for the lease rules. So a caller on Swift's cooperative pool never needs
/// a second pool thread, and two stores used at once from two tasks each block only their own caller.
///
/// Errors, as the protocol asks: a failing store (no connection, a newer schema, a failed statement)
/// throws `PostgresStateError` (a `StateFileFailure`, exit 74); a state that refuses an operation by its
/// rules throws `StateStoreError` (`mapped(_:)`), as the SQLite store does.
///
/// Callers' closures (the recipient walks, `appendChangedInput`'s `read`) run on the caller's thread,
/// never inside an operation: a closure that used the store would wait for itself on the executor, and
/// the closures are not `Sendable`. The walks therefore read keyset pages (one page in memory), each its
/// own statement: unlike the SQLite store's one-transaction walk, rows another host changes between two
/// pages are seen as they are when their page is read (never twice, since the key only grows).
///
/// `close()` ends the connection; a store released without it closes in `deinit` (the driver asserts that
/// every connection is closed, and a command that keeps its stores to the end, like `track`, never says
/// when it is done with one). `deinit` can wait for the close because the close runs on the store's own
/// thread, which no operation holds the store from. Using the store after `close()` throws a store failure.
public final class PostgresStateStore: StateStore, Sendable {
    /// Where the state is, without the password.
    public let location: String
    /// This host's name in the leases (`defaultHolder()`).
    public let holder: String
    /// How long a lease taken or renewed here lasts, in seconds.
    public let leaseSeconds: Double
    let database: PostgresStateDatabase
    let executor: BlockingExecutor
    let clock: any WallClock
    private let closed = ClosedFlag()

    /// The rows a recipient walk reads per page.
    static let pageRows = PostgresStateDatabase.pageRows

    private init(
        location: String, holder: String, leaseSeconds: Double, database: PostgresStateDatabase, executor: BlockingExecutor,
        clock: any WallClock
    ) {
        self.location = location
        self.holder = holder
        self.leaseSeconds = leaseSeconds
        self.database = database
        self.executor = executor
        self.clock = clock
    }

    /// Connects to `location`, brings its schema up to date (hosts starting together migrate once) and
    /// keeps the connection until `close()`. `holder` names this host in the leases; `leaseSeconds` is how
    /// long a chunk taken here stays this host's without a renewal.
    public static func open(
        location: PostgresLocation, holder: String, leaseSeconds: Double, clock: any WallClock, logger: Logger
    ) throws -> PostgresStateStore {
        let executor = BlockingExecutor(name: "ziett-batch.postgres-state")
        let text = location.description
        let database: PostgresStateDatabase
        do {
            database = try executor.run { try await PostgresStateDatabase.connect(to: location, logger: logger) }
        } catch {
            executor.shutdown()
            throw mapped(error, location: text)
        }
        let store = PostgresStateStore(
            location: text, holder: holder, leaseSeconds: leaseSeconds, database: database, executor: executor, clock: clock)
        do {
            _ = try store.run { database, now in try await database.migrate(now: now) }
        } catch {
            store.close()
            throw error
        }
        return store
    }

    /// "hostname:pid:xxxxxx": the host and process, and a random suffix, so a restarted process that gets
    /// the same pid never finds a lease of its predecessor to be its own.
    /// The host name is `gethostname`'s, not `ProcessInfo.hostName`, which may resolve names through DNS.
    /// `host` overrides the host name (`ZIETT_BATCH_HOST`: containers that share a host name, or several
    /// "hosts" on one machine in a test or a rehearsal).
    public static func defaultHolder(host given: String? = nil) -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = given.flatMap { $0.isEmpty ? nil : $0.replacingOccurrences(of: ":", with: "_") }
            ?? (gethostname(&name, name.count - 1) == 0
                ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost")
        let suffix = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(suffix)"
    }

    /// Closes the connection (the server then frees the ingest locks it held) and ends the store's thread.
    /// Idempotent; a failure to close is ignored (the server drops the session with the socket).
    deinit { close() }

    public func close() {
        guard closed.set() else { return }
        let database = self.database
        _ = try? executor.run { try await database.close() }
        executor.shutdown()
    }

    /// Runs `operation` on the executor with the clock's time now, mapping its errors (`mapped(_:location:)`).
    func run<T: Sendable>(_ operation: @escaping @Sendable (PostgresStateDatabase, Double) async throws -> T) throws -> T {
        let database = self.database
        let now = clock.now()
        do {
            return try executor.run { try await operation(database, now) }
        } catch {
            throw Self.mapped(error, location: location)
        }
    }

    /// The one place a backend error becomes what `StateStore` callers catch: a store failure stays a
    /// `PostgresStateError` (a `StateFileFailure`); a rule refusal becomes the `StateStoreError` the SQLite
    /// store throws for the same case; a `StateStoreError` passes; anything else (a value the driver could
    /// not decode, the store closed) is a failure of the store.
    static func mapped(_ error: any Error, location: String) -> any Error {
        if error is StateStoreError { return error }
        guard let failure = error as? PostgresStateError else {
            let message = error is BlockingExecutorStopped ? "the store is closed" : "\(error)"
            return PostgresStateError(.server(location: location, message: message, sqlState: nil))
        }
        switch failure.reason {
        case .cannotConnect, .newerSchema, .server:
            return failure
        case let .leaseLost(jobID, seq, _):
            return StateStoreError.heldByAnotherHost(jobID: jobID, seq: seq, holder: "another host", location: location)
        case let .leasedByAnother(jobID, seq, holder):
            return StateStoreError.heldByAnotherHost(jobID: jobID, seq: seq, holder: holder, location: location)
        case let .chunkChangedUnderneath(jobID, seq, _):
            return StateStoreError.chunkChangedUnderneath(jobID: jobID, seq: seq, expected: "pending", location: location)
        case let .notInDoubt(jobID, row):
            return StateStoreError.notInDoubt(jobID: jobID, row: row, location: location)
        case let .ingestRestartRefused(jobID):
            return StateStoreError.ingestRestartRefused(jobID: jobID, location: location)
        case let .unreadableValue(table, column, value):
            return StateStoreError.unknownValue(table: table, column: column, value: value, location: location)
        case .noSuchChunk, .noChunkKind, .rowsNotAssigned:
            return StateStoreError.refused(failure.description, location: location)
        }
    }

    // MARK: Jobs

    public func jobs() throws -> [Job] {
        try run { database, _ in try await database.jobs() }
    }

    public func job(named name: String) throws -> Job? {
        try run { database, _ in try await database.job(named: name) }
    }

    /// Inserts the job unless one of that name exists (`job.name` is unique: `ON CONFLICT DO NOTHING`), and
    /// returns whichever row is there, so hosts starting one job together share it. Settings and uuid are
    /// made as the SQLite store makes them.
    public func createJob(name: String, settings: JobSettings, inputFingerprint: String) throws -> Job {
        let uuid = UUID().uuidString.lowercased()
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let found = try run { database, now in
            _ = try await database.createJob(name: name, uuid: uuid, settings: json, inputFingerprint: inputFingerprint, now: now)
            return try await database.job(named: name)
        }
        guard let found else { throw StateStoreError.refused("job \"\(name)\" is gone right after it was created", location: location) }
        return found
    }

    public func setHeader(jobID: Int64, header: [String]) throws {
        try run { database, now in try await database.setHeader(jobID: jobID, header: header, now: now) }
    }

    public func setPhase(jobID: Int64, _ phase: JobPhase) throws {
        try run { database, now in try await database.setPhase(jobID: jobID, phase, now: now) }
    }

    public func setInputFingerprint(jobID: Int64, _ fingerprint: String) throws {
        try run { database, _ in try await database.setInputFingerprint(jobID: jobID, fingerprint) }
    }

    // MARK: Ingest

    public func storeSuppression(jobID: Int64, numbers: some Sequence<UInt64>) throws {
        let numbers = Array(numbers)
        try run { database, _ in try await database.storeSuppression(jobID: jobID, numbers: numbers) }
    }

    public func ingestWriter(jobID: Int64, kind: ChunkKind, chunkSize: Int, groupsTexts: Bool) throws -> any IngestSink {
        try PostgresIngestSink(store: self, jobID: jobID, kind: kind, chunkSize: chunkSize, groupsTexts: groupsTexts)
    }

    public func usableRowCount(jobID: Int64) throws -> Int {
        try run { database, _ in try await database.usableRowCount(jobID: jobID) }
    }

    /// *read*, page by page (see the type's doc on consistency).
    public func forEachUsableRow(jobID: Int64, _ body: (_ e164: UInt64, _ row: Int) throws -> Void) throws {
        try forEachPage(
            { database, after in try await database.usableRows(jobID: jobID, after: after, limit: Self.pageRows) },
            key: { Int64($0.row) }
        ) { try body($0.e164, $0.row) }
    }

    public func lastRow(jobID: Int64) throws -> Int {
        try run { database, _ in try await database.lastRow(jobID: jobID) }
    }

    public func restartIngest(jobID: Int64, inputFingerprint: String) throws {
        try run { database, now in try await database.restartIngest(jobID: jobID, inputFingerprint: inputFingerprint, now: now) }
    }

    /// Calls `read` on the caller's thread, keeping the rows it stores in memory (a changed input adds few
    /// rows; a whole new file would be held at once), then stores them, the fingerprint and the move to
    /// `planned` in one operation. Two operations: should another host append rows in between (its last
    /// row no longer the one `read` numbered after), nothing is stored and it throws `refused`: run again.
    public func appendChangedInput(
        jobID: Int64, inputFingerprint: String,
        read: (_ lastRow: Int, _ store: (_ rows: [IngestRow]) throws -> Void) throws -> Void
    ) throws -> Int {
        let last = try lastRow(jobID: jobID)
        var collected: [IngestRow] = []
        try read(last) { rows in collected.append(contentsOf: rows) }
        let rows = collected
        let location = self.location
        return try run { database, now in
            try await database.appendChangedInput(jobID: jobID, inputFingerprint: inputFingerprint, now: now) { lastNow, store in
                guard lastNow == last else {
                    throw StateStoreError.refused(
                        "job \(jobID) gained rows (last row \(lastNow), read after \(last)) while its changed input was read: "
                            + "another host appended them; nothing stored, run again", location: location)
                }
                try await store(rows)
            }
        }
    }

    /// Fetches pages through `run` and calls `body` on the caller's thread, one page in memory.
    func forEachPage<T: Sendable>(
        _ fetch: @escaping @Sendable (PostgresStateDatabase, Int64) async throws -> [T], key: (T) -> Int64, _ body: (T) throws -> Void
    ) throws {
        var after = Int64.min
        while true {
            let from = after
            let page = try run { database, _ in try await fetch(database, from) }
            for item in page { try body(item) }
            guard page.count == Self.pageRows, let last = page.last else { return }
            after = key(last)
        }
    }
}

/// Whether `close()` ran; set once, from any thread.
private final class ClosedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var closed = false

    /// Sets the flag; true the first time only.
    func set() -> Bool {
        lock.withLock {
            defer { closed = true }
            return !closed
        }
    }
}
