import Checkpoint
import Delivery
import Foundation
import Logging
import SQLite
import Synchronization
import Testing
import TestSupport
import ZiettAPI
import ZiettClient

/// The key's shared budget at the gate, with a send window.
@Suite("Key budget at the gate", .temporaryFiles)
struct KeyBudgetGateTests {
    /// A gate on `clock` for a job whose own pacing allows `limit` batches, with the key's budget (`key`'s
    /// ledger in `directory`) shared with other jobs.
    static func gate(_ directory: String, key: String, limit: RateLimit = RateLimit(count: 1, window: 1), clock: ManualClock) throws -> RequestGate {
        RequestGate(
            schedule: RequestSchedule(maxWait: 900, limits: [ZiettEndpoint.sendBatch.pacingBucket: limit]), clock: clock, stop: StopFlag(),
            budget: try KeyBudget(directory: directory, apiKey: key, logger: Logger(label: "test")))
    }

    /// Another job's ledger for `key`, holding the key's next ten batch slots at one a second from 1,000.
    static func otherJobHoldingTenSeconds(_ directory: String, key: String) throws -> KeyLedger {
        let other = try KeyLedger(path: directory + "/" + KeyBudget.fileName(forKey: key))
        for _ in 0..<10 {
            _ = try other.reserve(
                bucket: ZiettEndpoint.sendBatch.pacingBucket.rawValue, count: 1, window: 1, margin: 0, now: 1_000, maxWait: 100)
        }
        return other
    }

    /// Another job holds the key's next ten seconds; the window closes in five. The request does not wait
    /// for a slot at which its window is closed (it would text someone after hours): the gate gives the
    /// slot back and answers with the next opening.
    @Test func aSlotOutsideTheSendWindowIsGivenBackNotWaitedFor() async throws {
        let directory = try #require(TemporaryFiles.root) + "/keys"
        let bucket = ZiettEndpoint.sendBatch.pacingBucket
        let other = try Self.otherJobHoldingTenSeconds(directory, key: "zk_test_window")
        let clock = ManualClock(now: 1_000)
        let gate = try Self.gate(directory, key: "zk_test_window", clock: clock)
        let window: (Double) -> Double? = { t in t < 1_005 ? t : 2_000 }
        #expect(await gate.pass(.sendBatch, window: window) == .tooFar(until: 2_000))
        #expect(clock.now() == 1_000, "it did not sit out the other job's slots")
        // The slot was given back: the other job's next slot is where it would have been anyway.
        guard case .reserved(let next) = try other.reserve(bucket: bucket.rawValue, count: 1, window: 1, margin: 0, now: 1_000, maxWait: 100) else {
            Issue.record("no slot")
            return
        }
        #expect(next.at == 1_010)
    }

    /// A wait for the key's slot (another job holds its next ten seconds) renews the chunk's lease every
    /// `Keep.every` seconds while it lasts, and not once the wait is over. When a renewal says the chunk is
    /// another host's, the gate stops waiting, gives the slot back and answers `.lost`.
    @Test func aLongWaitRenewsTheChunkAndALostChunkGivesItsSlotBack() async throws {
        let directory = try #require(TemporaryFiles.root) + "/keys-keep"
        let bucket = ZiettEndpoint.sendBatch.pacingBucket
        let other = try Self.otherJobHoldingTenSeconds(directory, key: "zk_test_keep")
        let clock = ManualClock(now: 1_000)
        let gate = try Self.gate(directory, key: "zk_test_keep", clock: clock)
        let renewals = Mutex<[Double]>([])
        let keep = RequestGate.Keep(every: 3) {
            renewals.withLock { $0.append(clock.now()) }
            return true
        }
        #expect(await gate.pass(.sendBatch, keep: keep) == .go)
        #expect(abs(clock.now() - 1_010) < 0.05, "its slot came after the other job's ten (and the pacing margin)")
        let times = renewals.withLock { $0 }
        #expect(times.count == 3 && zip(times, [1_003.0, 1_006, 1_009]).allSatisfy { abs($0 - $1) < 0.05 }, "\(times)")
        gate.record(.sendBatch, .failure(ZiettTransportError(kind: .timeout, message: "test")))

        // The next wait (for 1,011, then 1,012 after another job's slot) is cut short by a lost lease.
        _ = try other.reserve(bucket: bucket.rawValue, count: 1, window: 1, margin: 0, now: clock.now(), maxWait: 100)
        let lost = RequestGate.Keep(every: 0.5) { false }
        #expect(await gate.pass(.sendBatch, keep: lost) == .lost)
        #expect(clock.now() < 1_011, "it stopped waiting at the first renewal")
        guard case .reserved(let next) = try other.reserve(bucket: bucket.rawValue, count: 1, window: 1, margin: 0, now: clock.now(), maxWait: 100)
        else {
            Issue.record("no slot")
            return
        }
        #expect(next.at < 1_013, "the lost request's slot was given back: \(next.at)")
        #expect(lost.failure == nil, "another host has it: no failure")

        // A renewal that throws ends the wait too, and keeps its error for the run to end with.
        struct Unreachable: Error {}
        let failing = RequestGate.Keep(every: 0.5) { throw Unreachable() }
        #expect(await gate.pass(.sendBatch, keep: failing) == .lost)
        #expect(failing.failure is Unreachable)
    }

    /// A pass whose request never left (no answer recorded: the chunk went to another host) gives its slot
    /// back at the next pass of the bucket: the next request neither waits for the unused slot's spacing
    /// nor leaves it counting as "now" in the key's window for two minutes.
    @Test func aSlotWhoseRequestNeverLeftIsGivenBackAtTheNextPass() async throws {
        let directory = try #require(TemporaryFiles.root) + "/keys"
        let bucket = ZiettEndpoint.sendBatch.pacingBucket
        let clock = ManualClock(now: 1_000)
        let gate = try Self.gate(directory, key: "zk_test_unused", limit: RateLimit(count: 2, window: 10), clock: clock)
        #expect(await gate.pass(.sendBatch) == .go)
        #expect(await gate.pass(.sendBatch) == .go)
        #expect(clock.now() == 1_000, "the second request waited \(clock.now() - 1_000) s behind a slot no request used")
        // One slot held (the second pass's), not two: another job's next slot is the spacing after it.
        let other = try KeyLedger(path: directory + "/" + KeyBudget.fileName(forKey: "zk_test_unused"))
        guard case .reserved(let next) = try other.reserve(bucket: bucket.rawValue, count: 2, window: 10, margin: 0, now: 1_000, maxWait: 100) else {
            Issue.record("no slot")
            return
        }
        #expect(next.at == 1_005)
    }

    /// Another process holds the ledger's write lock beyond the 5 s busy timeout: the request goes on this
    /// job's own pacing (not stuck, not stopped), the ledger is left alone for `KeyBudget.retryAfter`, and
    /// then used again, so one busy moment does not leave the rest of a long run outside the shared budget.
    @Test func aLedgerBusyBeyondItsTimeoutIsUsedAgainAfterTheRetryDelay() async throws {
        let directory = try #require(TemporaryFiles.root) + "/keys-busy"
        let bucket = ZiettEndpoint.sendBatch.pacingBucket
        let path = directory + "/" + KeyBudget.fileName(forKey: "zk_test_busy")
        let other = try KeyLedger(path: path)
        let clock = ManualClock(now: 1_000)
        let gate = try Self.gate(directory, key: "zk_test_busy", clock: clock)
        /// The slot the other job would get now: later than now once this job holds one in the ledger.
        func othersNext() throws -> Double {
            try other.earliest(bucket: bucket.rawValue, count: 1, window: 1, margin: 0, now: clock.now())
        }

        let lock = try SQLiteDatabase(path: path)
        try lock.execute("BEGIN EXCLUSIVE")
        let started = Date()
        #expect(await gate.pass(.sendBatch, window: nil) == .go)
        #expect(Date().timeIntervalSince(started) >= 4.5, "the ledger was busy (the fault landed) for its whole timeout")
        try lock.execute("ROLLBACK")
        gate.record(.sendBatch, .failure(ZiettTransportError(kind: .timeout, message: "test")))
        #expect(try othersNext() == clock.now(), "the request did not go through the ledger")

        // Within the retry delay: still this job's own pacing, the ledger untouched.
        clock.advance(by: 10)
        #expect(await gate.pass(.sendBatch, window: nil) == .go)
        #expect(try othersNext() == clock.now())
        gate.record(.sendBatch, .failure(ZiettTransportError(kind: .timeout, message: "test")))

        // After it: the ledger again, so the other job's next slot moves.
        clock.advance(by: KeyBudget.retryAfter)
        #expect(await gate.pass(.sendBatch, window: nil) == .go)
        #expect(try othersNext() > clock.now())
    }
}

