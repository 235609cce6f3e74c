import Checkpoint
import Foundation
@testable import PostgresCheckpoint
import TestSupport
import Testing

/// `PostgresKeyLedger`, the key budget several hosts share, against the SQLite `KeyLedger` whose rules it
/// ports: the same calls give the same answers, hosts reserving at once keep the limit, and the served
/// count stays a lower bound.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason), .temporaryFiles)
struct PostgresKeyLedgerTests {
    /// One call of the ledger's API, and what it answered.
    enum Step {
        /// Reserve in `bucket`; the slot (if any) is remembered in order.
        case reserve(bucket: String = "batch", now: Double, count: Int = 3, maxWait: Double = 60)
        /// Settle the `slot`-th remembered reservation.
        case settle(slot: Int, at: Double, served: Bool)
        case release(slot: Int)
        case block(until: Double)
        case earliest(bucket: String = "batch", now: Double, count: Int = 3)
        case served(bucket: String = "batch", window: Double = 10, start: Double, now: Double)
    }

    enum Answer: Equatable, CustomStringConvertible {
        case reserved(Double), tooFar(Double), time(Double), count(Int), done

        var description: String {
            switch self {
            case .reserved(let at): "reserved \(at)"
            case .tooFar(let until): "too far until \(until)"
            case .time(let time): "earliest \(time)"
            case .count(let count): "served \(count)"
            case .done: "done"
            }
        }
    }

    /// Runs `steps` on `ledger` (window 10 s, margin 0.1 s) and returns each step's answer.
    static func run(_ steps: [Step], on ledger: any KeySlotLedger) throws -> [Answer] {
        var slots: [Int64] = []
        return try steps.map { step in
            switch step {
            case .reserve(let bucket, let now, let count, let maxWait):
                switch try ledger.reserve(bucket: bucket, count: count, window: 10, margin: 0.1, now: now, maxWait: maxWait) {
                case .reserved(let slot):
                    slots.append(slot.id)
                    return .reserved(slot.at)
                case .tooFar(let until):
                    return .tooFar(until)
                }
            case .settle(let slot, let at, let served):
                try ledger.settle(slots[slot], at: at, served: served)
                return .done
            case .release(let slot):
                try ledger.release(slots[slot])
                return .done
            case .block(let until):
                try ledger.block(bucket: "batch", until: until)
                return .done
            case .earliest(let bucket, let now, let count):
                return .time(try ledger.earliest(bucket: bucket, count: count, window: 10, margin: 0.1, now: now))
            case .served(let bucket, let window, let start, let now):
                return .count(try ledger.servedInWindow(bucket: bucket, window: window, start: start, now: now))
            }
        }
    }

    /// Runs `body` with `count` ledgers of key `keyID`, each over its own connection and executor (a host
    /// each), on a new migrated database.
    static func withLedgers<T>(
        _ count: Int, keyIDs: [String]? = nil, _ body: ([PostgresKeyLedger]) async throws -> T
    ) async throws -> T {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { _ in }
            return try await TestServer.withStores(count, location) { databases in
                let ledgers = databases.enumerated().map { index, database in
                    PostgresKeyLedger(
                        database: database, executor: BlockingExecutor(name: "test ledger \(index)"),
                        keyID: keyIDs?[index] ?? "k1", location: location.description)
                }
                return try await body(ledgers)
            }
        }
    }

    /// Every call of the API, interleaved as a gate makes them, gives the same answer through PostgreSQL as
    /// through the SQLite ledger: spacing, the window counted at answers, an unanswered slot counting as now
    /// (and for at most 120 s), a block, a release, `earliest` without reserving, and the served count with
    /// a 429, a slot at the window's very start, and an answer after the request in question started.
    @Test func givesTheSameAnswersAsTheSQLiteLedger() async throws {
        let steps: [Step] = [
            .reserve(now: 1_000), .earliest(now: 1_000), .settle(slot: 0, at: 1_000.4, served: true),
            .reserve(now: 1_000), .served(start: 1_003.4, now: 1_003.8), .settle(slot: 1, at: 1_003.9, served: false),
            .block(until: 1_004), .reserve(now: 1_004), .served(start: 1_006.7, now: 1_007),
            .reserve(now: 1_004), .earliest(now: 1_004), .release(slot: 3), .earliest(now: 1_004),
            .settle(slot: 2, at: 1_008, served: true),
            .served(start: 1_009, now: 1_010), .served(start: 1_007.9, now: 1_010), .served(start: 1_009, now: 1_010.01),
            .served(bucket: "messages", start: 1_009, now: 1_010),
            .reserve(now: 1_015, maxWait: 0.5), .reserve(now: 1_015, maxWait: 0.5), .earliest(now: 1_015),
            .block(until: 1_040), .earliest(now: 1_015), .reserve(now: 1_015, maxWait: 60), .earliest(now: 1_015),
            // An unanswered slot counts as now, then ages out 120 s after it.
            .reserve(now: 1_100, count: 1, maxWait: 100), .earliest(now: 1_150, count: 1), .earliest(now: 1_300, count: 1),
            .reserve(now: 1_150, count: 1, maxWait: 5), .settle(slot: 6, at: 1_101, served: true),
            .earliest(now: 1_150, count: 1), .served(start: 1_112, now: 1_113), .served(window: 2, start: 1_112, now: 1_113),
            .reserve(bucket: "messages", now: 1_150), .earliest(bucket: "messages", now: 1_150),
        ]
        let sqlite = try Self.run(steps, on: KeyLedger(path: TemporaryFiles.root! + "/key.sqlite"))
        let postgres = try await Self.withLedgers(1) { ledgers in try Self.run(steps, on: ledgers[0]) }
        #expect(sqlite.count == steps.count)
        for (index, (expected, found)) in zip(sqlite, postgres).enumerated() {
            #expect(Self.same(expected, found), "step \(index) \(steps[index]): SQLite \(expected), PostgreSQL \(found)")
        }
        // The sequence exercises what it claims: counts other than 0, and both kinds of outcome.
        #expect(sqlite.contains(.count(2)) && sqlite.contains(.count(1)) && sqlite.contains(.count(0)))
        #expect(sqlite.contains { if case .tooFar = $0 { true } else { false } })
    }

    static func same(_ a: Answer, _ b: Answer) -> Bool {
        switch (a, b) {
        case (.reserved(let x), .reserved(let y)), (.tooFar(let x), .tooFar(let y)), (.time(let x), .time(let y)): abs(x - y) < 1e-9
        default: a == b
        }
    }

    /// Four hosts (four connections, four executors, four threads) reserving on one key at once, settling
    /// each slot as served: no window of `window` seconds holds more than `count` slots, none two closer
    /// than `window / count`, no slot handed out twice; and every host sees every host's served slots.
    @Test func fourHostsReservingAtOnceKeepTheLimit() async throws {
        let (count, window, margin) = (10, 60.0, 0.1)
        try await Self.withLedgers(4) { ledgers in
            let slots = try await withThrowingTaskGroup(of: [KeyLedger.Reservation].self) { group in
                for ledger in ledgers {
                    group.addTask {
                        // A thread of its own, as a host's sender: the ledger's calls block their caller.
                        try await withCheckedThrowingContinuation { continuation in
                            Thread {
                                do {
                                    var slots: [KeyLedger.Reservation] = []
                                    for _ in 0..<12 {
                                        let outcome = try ledger.reserve(
                                            bucket: "batch", count: count, window: window, margin: margin, now: 1_000, maxWait: 3_600)
                                        guard case .reserved(let slot) = outcome else { throw TestServerError("not reserved: \(outcome)") }
                                        try ledger.settle(slot.id, at: slot.at + 0.05, served: true)
                                        slots.append(slot)
                                    }
                                    continuation.resume(returning: slots)
                                } catch {
                                    continuation.resume(throwing: error)
                                }
                            }.start()
                        }
                    }
                }
                return try await group.reduce(into: [KeyLedger.Reservation]()) { $0 += $1 }
            }
            expectSlotsKeepTheLimit(slots, reservations: 48, count: count, window: window)
            let times = slots.map(\.at).sorted()
            // Any host counts every host's served slots: those of the window before the last answer.
            let last = try #require(times.last)
            let inLastWindow = times.filter { $0 >= last + 0.1 - window }.count
            #expect(inLastWindow > 1)
            #expect(try ledgers[0].servedInWindow(bucket: "batch", window: window, start: last + 0.05, now: last + 0.1) == inLastWindow)
        }
    }

    /// Each rule of the served count alone, on a bucket of its own, through PostgreSQL and SQLite: the
    /// request in question started at 19.5 and was answered at 20.5, window 10 s.
    @Test func theServedCountIsOnlyWhatTheServerCertainlyCounted() async throws {
        // (case, slot's time, its answer: time and served, or nil when unanswered, expected count)
        let cases: [(String, Double, (Double, Bool)?, Int)] = [
            ("served inside the window", 11, (11.2, true), 1),
            ("answered with 429", 13, (13.1, false), 0),
            ("unanswered (in flight, or its host died)", 14, nil, 0),
            ("started before the window", 10.4, (10.6, true), 0),
            ("started at the window's very start", 10.5, (10.6, true), 1),
            ("answered after the request in question started", 19, (19.6, true), 0),
            ("answered as the request in question started", 19, (19.5, true), 1),
        ]
        func check(_ ledger: any KeySlotLedger, _ backend: String) throws {
            for (name, at, answer, expected) in cases {
                guard case .reserved(let slot) = try ledger.reserve(bucket: name, count: 100, window: 10, margin: 0, now: at, maxWait: 0)
                else { throw TestServerError("\(backend), \(name): no slot") }
                if let answer { try ledger.settle(slot.id, at: answer.0, served: answer.1) }
                #expect(try ledger.servedInWindow(bucket: name, window: 10, start: 19.5, now: 20.5) == expected, "\(backend): \(name)")
            }
        }
        try check(KeyLedger(path: TemporaryFiles.root! + "/key.sqlite"), "SQLite")
        try await Self.withLedgers(2, keyIDs: ["k1", "k2"]) { ledgers in
            try check(ledgers[0], "PostgreSQL")
            // Another key's slots are another budget.
            #expect(try ledgers[1].servedInWindow(bucket: cases[0].0, window: 10, start: 19.5, now: 20.5) == 0)
        }
    }

    /// The key id is the hash that names the machine-local ledger file ("key-<id>.sqlite"), never the key.
    @Test func theKeyIDIsTheLedgerFilesHash() async throws {
        // printf 'ziett-batch/key-ledger/v2\0abc' | sha256sum, first 12 bytes.
        #expect(PostgresKeyLedger.keyID(forKey: "abc") == "39da63dac8e9a54c315fe434")
        try await Self.withLedgers(1, keyIDs: [PostgresKeyLedger.keyID(forKey: "secret-key")]) { ledgers in
            #expect(!ledgers[0].path.contains("secret-key"))
            #expect(ledgers[0].path.hasPrefix("postgres key budget \(PostgresKeyLedger.keyID(forKey: "secret-key")) at "))
        }
    }
}
