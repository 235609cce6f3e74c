import Checkpoint
import Delivery
import Testing
import ZiettAPI

/// The send window's rules in the pure chunk state machine: a closed window holds a pending chunk back
/// without recording anything, a look-up is never held back, and after the campaign's end a chunk that
/// was never sent expires instead of going.
@Suite("Chunk state machine: send windows and the campaign's end")
struct WindowStateMachineTests {
    static let now = 1_000.0

    static func machine() -> ChunkStateMachine {
        ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(base: 1, cap: 60, seed: 9), settleAfter: 60))
    }

    static func chunk(_ window: SendSchedule.Verdict, inDoubt: Bool = false, lastAttemptAt: Double? = nil) -> ChunkStateMachine.OpenChunk {
        .init(seq: 1, endpoint: .sendBatch, recipients: 3, inDoubt: inDoubt, notBefore: nil, earlierAttempts: inDoubt ? 1 : 0,
              lastAttemptAt: lastAttemptAt, window: window)
    }

    @Test func aClosedWindowHoldsAPendingChunkBackAndRecordsNothing() {
        var machine = Self.machine()
        #expect(machine.chunkOpened(Self.chunk(.opensAt(5_000)), now: Self.now) == .awaitWindow(opensAt: 5_000))
        // The machine is idle again: the next chunk (another group, open) goes.
        #expect(machine.chunkOpened(Self.chunk(.open), now: Self.now) == .send(notBefore: nil))
    }

    @Test func aWindowThatNeverOpensIsHeldBackWithoutATime() {
        var machine = Self.machine()
        #expect(machine.chunkOpened(Self.chunk(.neverOpens), now: Self.now) == .awaitWindow(opensAt: nil))
    }

    @Test func afterTheCampaignsEndAPendingChunkExpiresWithoutARequest() {
        var machine = Self.machine()
        #expect(machine.chunkOpened(Self.chunk(.ended), now: Self.now) == .record(.expired))
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func aChunkInDoubtIsLookedUpWhateverTheWindowAndExpiresOnlyIfProvenAbsent() {
        var found = Self.machine()
        #expect(found.chunkOpened(Self.chunk(.ended, inDoubt: true, lastAttemptAt: 0), now: Self.now) == .lookUp(notBefore: nil))
        #expect(found.lookUpFinished(.found(campaignID: "c", messageID: nil), now: 100)
            == .record(.accepted(campaignID: "c", messageID: nil, httpStatus: nil, how: .reconciled)))

        var absent = Self.machine()
        #expect(absent.chunkOpened(Self.chunk(.ended, inDoubt: true, lastAttemptAt: 0), now: Self.now) == .lookUp(notBefore: nil))
        #expect(absent.lookUpFinished(.absent, now: 100) == .record(.expired))
        #expect(absent.recorded(now: Self.now) == .nextChunk)

        // Within the campaign but outside the window: proven absent, it is sent when the gate lets it (the
        // gate waits for the window, or ends the run).
        var closed = Self.machine()
        _ = closed.chunkOpened(Self.chunk(.opensAt(5_000), inDoubt: true, lastAttemptAt: 0), now: Self.now)
        #expect(closed.lookUpFinished(.absent, now: 100) == .record(.notProcessed(nil, notBefore: nil)))
        #expect(closed.recorded(now: Self.now) == .send(notBefore: nil))
    }

    @Test func aWindowThatClosesWhileTheRequestWaitsEndsTheRunSayingWhenItOpens() {
        var machine = Self.machine()
        #expect(machine.chunkOpened(Self.chunk(.open), now: Self.now) == .send(notBefore: nil))
        #expect(machine.windowClosed(opensAt: 9_000) == .stop(.outsideWindow(nextOpening: 9_000)))
        #expect(DispatchEnd.outsideWindow(nextOpening: 9_000).exitStatus == .runAgainLater)
    }
}
