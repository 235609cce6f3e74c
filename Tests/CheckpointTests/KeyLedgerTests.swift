import Checkpoint
import Foundation
import SQLite
import Testing

/// The key's machine-wide budget: two ledgers on one file stand for two processes.
@Suite("Key ledger")
struct KeyLedgerTests {
    func withTwoLedgers(_ body: (KeyLedger, KeyLedger) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "zb-keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/key-test.sqlite"
        try body(try KeyLedger(path: path), try KeyLedger(path: path))
    }

    func at(_ outcome: KeyLedger.Outcome) -> Double? {
        if case .reserved(let slot) = outcome { return slot.at }
        return nil
    }

    func reserve(_ ledger: KeyLedger, _ now: Double) throws -> Double? {
        at(try ledger.reserve(bucket: "POST /campaigns/batch", count: 4, window: 10, margin: 0.1, now: now, maxWait: 60))
    }

    @Test func twoProcessesShareOneWindowAndTheSpacing() throws {
        try withTwoLedgers { (a, b) throws in
            // 4 per 10 s: one start every 2.5 s, and no window of 10 s (+ margin 0.1) with more than 4.
            #expect(try reserve(a, 0) == 0)
            #expect(try reserve(b, 0) == 2.5)
            #expect(try reserve(a, 0) == 5)
            #expect(try reserve(b, 1) == 7.5)
            // The first is still unanswered at 1 s: it may reach the server as late as now, so it counts at 1.
            #expect(try reserve(a, 1) == 11.1, "the fifth waits for the first to leave the window, not just the spacing")
            // Another bucket has its own budget.
            #expect(at(try b.reserve(bucket: "POST /messages", count: 120, window: 60, margin: 0.1, now: 1, maxWait: 60)) == 1)
        }
    }

    /// The count that lets a job trust a server's `Remaining: 0` is a lower bound: only requests the server
    /// answered (not 429), whose slot started inside the window and whose answer came before the request
    /// in question started. Each excluded case below would have been counted by the first version.
    @Test func theServedCountIsOnlyWhatTheServerCertainlyCounted() throws {
        try withTwoLedgers { (a, b) throws in
            let bucket = "POST /campaigns/batch"
            func slot(_ ledger: KeyLedger, _ now: Double) throws -> KeyLedger.Reservation {
                guard case .reserved(let r) = try ledger.reserve(bucket: bucket, count: 100, window: 10, margin: 0, now: now, maxWait: 60) else {
                    throw CancellationError()
                }
                return r
            }
            let old = try slot(a, 0)        // started before the window of the request answered at 20.5
            try a.settle(old.id, at: 0.2, served: true)
            let counted1 = try slot(a, 11)  // served, inside: counted
            try a.settle(counted1.id, at: 11.2, served: true)
            let counted2 = try slot(b, 12)  // the other process's, served: counted
            try b.settle(counted2.id, at: 12.3, served: true)
            let refused = try slot(b, 13)   // a 429: the server may not have counted it
            try b.settle(refused.id, at: 13.1, served: false)
            _ = try slot(a, 14)              // still in flight (or its process was killed)
            let late = try slot(b, 19)      // answered after the request in question started at 19.5
            try b.settle(late.id, at: 20, served: true)
            #expect(try a.servedInWindow(bucket: bucket, window: 10, start: 19.5, now: 20.5) == 2)
            #expect(try a.servedInWindow(bucket: "POST /messages", window: 10, start: 19.5, now: 20.5) == 0)
        }
    }

    /// A ledger file written by a version before `served`: opening it adds the column, and its old slots
    /// (never marked served) are not counted as served.
    @Test func aLedgerFromBeforeTheServedColumnIsBroughtUpToDate() throws {
        let directory = NSTemporaryDirectory() + "zb-keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/key-old.sqlite"
        let old = try SQLiteDatabase(path: path)
        try old.execute(
            """
            CREATE TABLE slot (bucket TEXT NOT NULL, start REAL NOT NULL, at REAL NOT NULL, settled INTEGER NOT NULL DEFAULT 0);
            INSERT INTO slot (bucket, start, at, settled) VALUES ('b', 1, 1.5, 1);
            """)
        old.close()
        let ledger = try KeyLedger(path: path)
        #expect(try ledger.servedInWindow(bucket: "b", window: 10, start: 5, now: 6) == 0)
        guard case .reserved(let slot) = try ledger.reserve(bucket: "b", count: 10, window: 10, margin: 0, now: 2, maxWait: 10) else {
            Issue.record("no slot")
            return
        }
        try ledger.settle(slot.id, at: 2.5, served: true)
        #expect(try ledger.servedInWindow(bucket: "b", window: 10, start: 5, now: 6) == 1)
        #expect(try KeyLedger(path: path).servedInWindow(bucket: "b", window: 10, start: 5, now: 6) == 1, "opened again: no second ALTER")
    }

    /// A slot whose request is not answered yet may reach the server any moment: it counts as now (a
    /// process slowed between its slot and its send drew 429s from the other job when it counted at its slot).
    @Test func anUnansweredSlotCountsAsNowUntilItsAnswer() throws {
        try withTwoLedgers { (a, b) throws in
            guard case .reserved(let first) = try a.reserve(bucket: "y", count: 1, window: 10, margin: 0, now: 0, maxWait: 60) else {
                Issue.record("no slot")
                return
            }
            #expect(at(try b.reserve(bucket: "y", count: 1, window: 10, margin: 0, now: 4, maxWait: 60)) == 14, "unanswered at 4 s")
            // Answered at 0.5 s: it counts there; at 2 per 10 s the next slot is spaced 5 s after b's start.
            try a.settle(first.id, at: 0.5)
            #expect(at(try a.reserve(bucket: "y", count: 2, window: 10, margin: 0, now: 4, maxWait: 60)) == 19)
        }
    }

    @Test func aSlowAnswerMovesTheWindowButNotTheSpacing() throws {
        try withTwoLedgers { (a, b) throws in
            guard case .reserved(let first) = try a.reserve(bucket: "x", count: 2, window: 10, margin: 0, now: 0, maxWait: 60) else {
                Issue.record("no slot")
                return
            }
            try a.settle(first.id, at: 3)  // answered 3 s later: the server may have counted it then
            #expect(at(try b.reserve(bucket: "x", count: 2, window: 10, margin: 0, now: 0, maxWait: 60)) == 5, "spaced from the start")
            #expect(at(try a.reserve(bucket: "x", count: 2, window: 10, margin: 0, now: 0, maxWait: 60)) == 13, "counted from the answer")
        }
    }

    @Test func aBlockIsSharedAReleasedSlotIsReusedAndAFarSlotIsNotTaken() throws {
        try withTwoLedgers { (a, b) throws in
            try a.block(bucket: "x", until: 30)
            guard case .reserved(let slot) = try b.reserve(bucket: "x", count: 10, window: 10, margin: 0, now: 0, maxWait: 60) else {
                Issue.record("no slot")
                return
            }
            #expect(slot.at == 30, "Retry-After learnt by one process holds for the other")
            try b.release(slot.id)
            guard case .reserved(let reused) = try a.reserve(bucket: "x", count: 10, window: 10, margin: 0, now: 0, maxWait: 60) else {
                Issue.record("no slot")
                return
            }
            #expect(reused.at == 30)
            try a.settle(reused.id, at: 30)
            #expect(try b.reserve(bucket: "x", count: 1, window: 100, margin: 0, now: 0, maxWait: 60) == .tooFar(until: 130))
            #expect(at(try b.reserve(bucket: "x", count: 1, window: 100, margin: 0, now: 131, maxWait: 60)) == 131, "nothing was reserved")
        }
    }

    /// Two jobs started by one cron line open a new ledger at the same instant: both must get it (a job
    /// whose ledger failed would pace alone, at the key's whole limit beside the other).
    @Test func processesOpeningANewLedgerAtOnceBothGetIt() throws {
        let dir = NSTemporaryDirectory() + "zb-keys-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for round in 0..<40 {
            let path = "\(dir)/race-\(round).sqlite"
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do {
                    let ledger = try KeyLedger(path: path)
                    _ = try ledger.reserve(bucket: "b", count: 10, window: 1, margin: 0, now: 0, maxWait: 100)
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "round \(round): \(failures.all)")
        }
    }
}

/// Errors collected from concurrent work.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String) { lock.withLock { list.append(failure) } }
    var all: [String] { lock.withLock { list } }
}
