import Checkpoint
import Foundation
import PostgresCheckpoint
import TestSupport
import Testing

@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason), .temporaryFiles)
struct KeyBudgetTests {
    /// Hosts reserving on one key at once: no window of `window` seconds ever holds more than `count`
    /// slots, slots start at least `window / count` apart, and no slot is handed out twice.
    @Test func concurrentReserversNeverExceedTheLimit() async throws {
        let (count, window, margin) = (10, 60.0, 0.1)
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { _ in }
            let slots = try await withThrowingTaskGroup(of: [KeyLedger.Reservation].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await TestServer.withStore(location) { store in
                            var slots: [KeyLedger.Reservation] = []
                            for _ in 0..<12 {
                                let outcome = try await store.reserveKeySlot(
                                    keyID: "k1", bucket: "batch", count: count, window: window, margin: margin, now: 1_000, maxWait: 3_600)
                                guard case .reserved(let slot) = outcome else {
                                    Issue.record("not reserved: \(outcome)")
                                    continue
                                }
                                slots.append(slot)
                            }
                            return slots
                        }
                    }
                }
                return try await group.reduce(into: [KeyLedger.Reservation]()) { $0 += $1 }
            }
            expectSlotsKeepTheLimit(slots, reservations: 48, count: count, window: window)
        }
    }

    /// The same calls give the same slots as the SQLite `KeyLedger`, which this budget mirrors across hosts.
    @Test func reservesTheSameSlotsAsTheSQLiteLedger() async throws {
        let ledger = try KeyLedger(path: TemporaryFiles.root! + "/key.sqlite")
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                // (now, settle the previous slot at this time or nil, block until or nil, maxWait)
                let steps: [(Double, Double?, Double?, Double)] = [
                    (1_000, nil, nil, 60), (1_000, 1_001, nil, 60), (1_000, nil, nil, 60), (1_002, 1_003.5, nil, 60),
                    (1_004, nil, 1_030, 60), (1_004, nil, nil, 5), (1_010, 1_031, nil, 120), (1_200, nil, nil, 60),
                    (1_200, nil, nil, 60), (1_200, nil, nil, 60), (1_200, nil, nil, 1),
                ]
                var last: (sqlite: Int64, postgres: Int64)?
                for (now, settleAt, blockUntil, maxWait) in steps {
                    if let settleAt, let last {
                        try ledger.settle(last.sqlite, at: settleAt)
                        try await store.settleKeySlot(last.postgres, at: settleAt)
                    }
                    if let blockUntil {
                        try ledger.block(bucket: "batch", until: blockUntil)
                        try await store.blockKeyBucket(keyID: "k1", bucket: "batch", until: blockUntil)
                    }
                    let expected = try ledger.reserve(bucket: "batch", count: 3, window: 10, margin: 0.1, now: now, maxWait: maxWait)
                    let found = try await store.reserveKeySlot(
                        keyID: "k1", bucket: "batch", count: 3, window: 10, margin: 0.1, now: now, maxWait: maxWait)
                    switch (expected, found) {
                    case (.reserved(let a), .reserved(let b)):
                        #expect(abs(a.at - b.at) < 1e-9, "at \(now): SQLite \(a.at), PostgreSQL \(b.at)")
                        last = (a.id, b.id)
                    case (.tooFar(let a), .tooFar(let b)):
                        #expect(abs(a - b) < 1e-9, "at \(now): SQLite too far until \(a), PostgreSQL until \(b)")
                    default:
                        Issue.record("at \(now): SQLite \(expected), PostgreSQL \(found)")
                    }
                }
            }
        }
    }

    @Test func aReleasedSlotIsFreeAgainAndKeysAreSeparate() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let first = try await store.reserveKeySlot(keyID: "k1", bucket: "batch", count: 1, window: 60, margin: 0.1, now: 1_000, maxWait: 10)
                guard case .reserved(let slot) = first else { Issue.record("\(first)"); return }
                #expect(slot.at == 1_000)
                // Another key, or another bucket of the same key, is not held back.
                #expect(try await store.reserveKeySlot(keyID: "k2", bucket: "batch", count: 1, window: 60, margin: 0.1, now: 1_000, maxWait: 10)
                    .slotTime == 1_000)
                #expect(try await store.reserveKeySlot(keyID: "k1", bucket: "messages", count: 1, window: 60, margin: 0.1, now: 1_000, maxWait: 10)
                    .slotTime == 1_000)
                let tooFar = try await store.reserveKeySlot(keyID: "k1", bucket: "batch", count: 1, window: 60, margin: 0.1, now: 1_000, maxWait: 10)
                guard case .tooFar(let until) = tooFar else { Issue.record("reserved beyond the wait: \(tooFar)"); return }
                #expect(abs(until - 1_060.1) < 1e-9)
                try await store.releaseKeySlot(slot.id)
                guard case .reserved(let again) = try await store.reserveKeySlot(
                    keyID: "k1", bucket: "batch", count: 1, window: 60, margin: 0.1, now: 1_000, maxWait: 10)
                else { Issue.record("not reserved after release"); return }
                #expect(again.at == 1_000)
            }
        }
    }
}

extension KeyLedger.Outcome {
    /// The reserved slot's time; nil when too far.
    var slotTime: Double? {
        if case .reserved(let slot) = self { slot.at } else { nil }
    }
}

/// Concurrent reservers' slots: every reservation made once, no two closer than `window / count`, never more
/// than `count` in one window.
func expectSlotsKeepTheLimit(
    _ slots: [KeyLedger.Reservation], reservations: Int, count: Int, window: Double, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(slots.count == reservations, sourceLocation: sourceLocation)
    #expect(Set(slots.map(\.id)).count == reservations, sourceLocation: sourceLocation)
    let times = slots.map(\.at).sorted()
    for i in 1..<times.count {
        #expect(times[i] - times[i - 1] >= window / Double(count) - 1e-9, "slots \(i - 1) and \(i) too close: \(times[i - 1]), \(times[i])",
                sourceLocation: sourceLocation)
    }
    for i in 0..<(times.count - count) {
        #expect(times[i + count] - times[i] >= window, "\(count + 1) slots within one window from \(times[i])", sourceLocation: sourceLocation)
    }
}
