import Checkpoint
import Foundation
import PostgresCheckpoint
import Testing

/// Two hosts (two `PostgresStateStore`s, holders "host-a" and "host-b") on one job, through the
/// `StateStore` protocol, with a clock the test moves and 30-second leases.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct MultiHostStoreTests {
    /// Runs `body` with two stores on a fresh database and a job of `chunks` chunks of 5, made by host A.
    func withHosts(chunks: Int, _ body: (_ a: PostgresStateStore, _ b: PostgresStateStore, _ job: Int64, _ clock: SteppedClock) async throws -> Void)
        async throws
    {
        let clock = SteppedClock(1_000)
        try await TestServer.withDatabase { location in
            try await TestServer.withStateStores(2, location, clock: clock) { stores in
                let job = try ProtocolJob.make(stores[0], recipients: chunks * 5, chunkSize: 5)
                try await body(stores[0], stores[1], job, clock)
            }
        }
    }

    /// "host:pid:suffix", a new suffix each time, so a restarted process never inherits a lease.
    @Test func theDefaultHolderNamesHostAndProcessAndDiffersEachTime() {
        let first = PostgresStateStore.defaultHolder()
        let second = PostgresStateStore.defaultHolder()
        #expect(first != second)
        #expect(first.split(separator: ":").count == 3)
        #expect(first.split(separator: ":")[1] == "\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// Hosts that start one job together share its row.
    @Test func hostsCreatingOneJobShareIt() async throws {
        try await withHosts(chunks: 1) { a, b, job, _ throws in
            let again = try b.createJob(name: "spring", settings: ProtocolJob.settings(chunkSize: 5), inputFingerprint: "fp")
            #expect(again.id == job)
            #expect(again.phase == .planned, "B gets the row A made and planned, not a new one")
            #expect(try a.jobs().count == 1)
        }
    }

    /// Taking in turns, each chunk goes to exactly one host; the lane and the cursor are honoured.
    @Test func takeNextChunkNeverGivesOneChunkToBoth() async throws {
        try await withHosts(chunks: 6) { a, b, job, _ throws in
            var taken: [String: [Int]] = [:]
            var turn = 0
            while true {
                let store = turn % 2 == 0 ? a : b
                turn += 1
                guard let chunk = try store.takeNextChunk(jobID: job, after: -1, lane: nil) else {
                    // The other host may still find one; stop when neither does.
                    if try (turn % 2 == 0 ? a : b).takeNextChunk(jobID: job, after: -1, lane: nil) == nil { break }
                    Issue.record("one host found a chunk the other could not")
                    break
                }
                taken[store.holder, default: []].append(chunk.seq)
            }
            let all = (taken["host-a"] ?? []) + (taken["host-b"] ?? [])
            #expect(all.sorted() == Array(0..<6), "every chunk once: \(taken)")
            #expect(Set(taken["host-a"] ?? []).isDisjoint(with: taken["host-b"] ?? []))
            #expect(try a.leases(jobID: job).map(\.holder).sorted() == ["host-a", "host-a", "host-a", "host-b", "host-b", "host-b"])
        }
    }

    /// `after` and `lane`: a batch job's chunks are all in the batch lane, none in the messages lane.
    @Test func takeNextChunkHonoursTheCursorAndTheLane() async throws {
        try await withHosts(chunks: 4) { a, b, job, _ throws in
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: .messages) == nil, "no batch chunk in the messages lane")
            #expect(try a.takeNextChunk(jobID: job, after: 1, lane: .batches)?.seq == 2)
            #expect(try b.takeNextChunk(jobID: job, after: 1, lane: .batches)?.seq == 3)
            #expect(try b.takeNextChunk(jobID: job, after: 1, lane: nil) == nil)
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
        }
    }

    /// A chunk A holds is refused to B's intent commit, as a rule refusal (not a store failure), and
    /// nothing changes.
    @Test func aChunkHeldByAIsRefusedToBsMarkInFlight() async throws {
        try await withHosts(chunks: 2) { a, b, job, clock throws in
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            let before = try a.chunk(jobID: job, seq: 0)
            var caught: (any Error)?
            do { try ProtocolJob.inFlight(b, job: job, seq: 0, at: clock.now()) } catch { caught = error }
            let refusal = try #require(caught as? StateStoreError, "a StateStoreError, got \(String(describing: caught))")
            #expect(refusal.code == .heldByAnotherHost)
            #expect(refusal.description.contains("host-a"))
            #expect(!(caught is any StateFileFailure), "a refusal by the rules is not a failing store (exit 74)")
            #expect(try a.chunk(jobID: job, seq: 0) == before, "nothing changed")
            #expect(try a.leases(jobID: job) == [ChunkLease(seq: 0, state: .pending, holder: "host-a", expiresAt: 1_030)])
            // A itself may.
            try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            #expect(try b.chunk(jobID: job, seq: 0)?.state == .inflight)
        }
    }

    /// A dies after its intent commit: once its lease has run out B takes the chunk, in flight, so in doubt;
    /// A's late answer is then refused.
    @Test func afterAsLeaseExpiresBTakesItsInFlightChunkInDoubt() async throws {
        try await withHosts(chunks: 1) { a, b, job, clock throws in
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            let attempt = try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            clock.set(1_029)
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil) == nil, "A's lease still runs")
            clock.set(1_031)
            let taken = try #require(try b.takeNextChunk(jobID: job, after: -1, lane: nil))
            #expect(taken.seq == 0 && taken.state == .inflight && taken.inDoubt, "look it up before any resend")
            #expect(try b.leases(jobID: job).map(\.holder) == ["host-b"])
            let late = try ProtocolJob.refusal {
                try a.markAccepted(
                    jobID: job, seq: 0, campaignID: "c", messageID: nil, httpStatus: 202, traceID: nil, attemptID: attempt, outcome: "accepted")
            }
            #expect(late == .heldByAnotherHost)
            #expect(try b.chunk(jobID: job, seq: 0)?.state == .inflight)
        }
    }

    /// A stalls past its lease (a paused VM, a partition) with a 429 in hand; B takes the chunk over, finds it
    /// at the API and records it accepted (which clears the lease). A's late outcomes must change nothing: a
    /// `markNotProcessed` would put a sent chunk back to pending (sent again), a `split` would mark sent rows
    /// rejected (sent again by `retry --rejected`). Found by review; the lease rule let both through.
    @Test func aStaleHostsLateOutcomeCannotReopenAChunkAnotherHostSettled() async throws {
        try await withHosts(chunks: 1) { a, b, job, clock throws in
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            let attempt = try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            clock.set(1_031)
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil)?.state == .inflight)
            try b.markAccepted(jobID: job, seq: 0, campaignID: "c-b", messageID: nil, httpStatus: nil, traceID: nil, attemptID: nil, outcome: "reconciled")
            let error = RecordedError(httpStatus: 429, code: "RATE_LIMIT_EXCEEDED", message: "slow down")
            let notProcessed = try ProtocolJob.refusal {
                try a.markNotProcessed(jobID: job, seq: 0, notBefore: 1_040, error: error, attemptID: attempt)
            }
            #expect(notProcessed == .chunkChangedUnderneath)
            let split = try ProtocolJob.refusal {
                _ = try a.split(jobID: job, seq: 0, rejectedRows: [1: "VALIDATION_ERROR: bad"], error: error, attemptID: attempt)
            }
            #expect(split == .chunkChangedUnderneath)
            #expect(try a.chunk(jobID: job, seq: 0)?.state == .accepted)
            #expect(try a.counts(jobID: job).recipients(.rejected) == 0)
            #expect(try a.counts(jobID: job).recipients(.pending) == 0)
        }
    }

    /// B is told when A's lease on the one open chunk ends; A, holding it, is told nothing is elsewhere.
    @Test func openElsewhereUntilGivesAsLeaseExpiryToB() async throws {
        try await withHosts(chunks: 1) { a, b, job, clock throws in
            #expect(try b.openElsewhereUntil(jobID: job) == 1_000, "an open chunk nobody holds: now")
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            #expect(try b.openElsewhereUntil(jobID: job) == 1_030)
            #expect(try a.openElsewhereUntil(jobID: job) == nil, "A's own chunk is not elsewhere")
            clock.set(1_040)
            #expect(try b.openElsewhereUntil(jobID: job) == 1_040, "an expired lease: takeable now")
            #expect(try a.openElsewhereUntil(jobID: job) == 1_040, "A's own lease expired too")
            #expect(try a.holdChunk(jobID: job, seq: 0, until: 1_040) != nil)
            let attempt = try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            try a.markNotProcessed(jobID: job, seq: 0, notBefore: 1_100, error: nil, attemptID: attempt)
            #expect(try b.openElsewhereUntil(jobID: job) == 1_100, "pending, free, but not before 1,100")
            try a.markAccepted(
                jobID: job, seq: 0, campaignID: "c", messageID: nil, httpStatus: 202, traceID: nil, attemptID: nil, outcome: "accepted")
            #expect(try b.openElsewhereUntil(jobID: job) == nil, "nothing open")
        }
    }

    /// holdChunk renews this host's lease to `max(until, now) + leaseSeconds`, refuses a chunk another host
    /// holds, takes one nobody holds, and leaves closed chunks alone; releaseChunk gives it back.
    @Test func holdChunkRenewsTakesAndRefusesAsDocumented() async throws {
        try await withHosts(chunks: 2) { a, b, job, clock throws in
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            #expect(try a.holdChunk(jobID: job, seq: 0, until: 1_100)?.seq == 0)
            #expect(try a.leases(jobID: job) == [ChunkLease(seq: 0, state: .pending, holder: "host-a", expiresAt: 1_130)])
            #expect(try a.holdChunk(jobID: job, seq: 0, until: 900)?.seq == 0)
            #expect(try a.leases(jobID: job).first?.expiresAt == 1_130, "a hold never shortens this host's lease")
            #expect(try b.holdChunk(jobID: job, seq: 0, until: 1_100) == nil, "A's live lease")
            #expect(try b.holdChunk(jobID: job, seq: 1, until: 1_000)?.seq == 1, "nobody holds chunk 1")
            clock.set(1_129)
            #expect(try b.holdChunk(jobID: job, seq: 0, until: 1_129) == nil, "A's lease runs to 1,130")
            clock.set(1_131)
            #expect(try b.holdChunk(jobID: job, seq: 0, until: 1_131)?.seq == 0, "A's lease ran out")
            #expect(try a.holdChunk(jobID: job, seq: 0, until: 1_131) == nil)
            try b.releaseChunk(jobID: job, seq: 0, notBefore: nil)
            #expect(try a.holdChunk(jobID: job, seq: 0, until: 1_131)?.seq == 0, "released by B")
            let attempt = try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            try a.markAccepted(
                jobID: job, seq: 0, campaignID: "c", messageID: nil, httpStatus: 202, traceID: nil, attemptID: attempt, outcome: "accepted")
            #expect(try a.holdChunk(jobID: job, seq: 0, until: 1_131) == nil, "an accepted chunk is not held")
        }
    }

    /// A chunk set aside for its send window goes back with its opening as `not_before`: until then no host
    /// takes it (so none takes it up only to set it aside again), and the job is not complete meanwhile; at
    /// the opening any host takes it. An in-flight chunk keeps its own time (its look-up is not delayed), and
    /// a later `not_before` already there (a 429's wait) is kept.
    @Test func releaseWithTheWindowsOpeningHidesAPendingChunkFromEveryHostUntilThen() async throws {
        try await withHosts(chunks: 3) { a, b, job, clock throws in
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            try a.releaseChunk(jobID: job, seq: 0, notBefore: 1_500)
            #expect(try a.chunk(jobID: job, seq: 0)?.notBefore == 1_500)
            #expect(try a.leases(jobID: job).isEmpty, "given back")
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 1, "B passes the deferred chunk")
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 2, "so does A itself")
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil) == nil)
            #expect(try b.openElsewhereUntil(jobID: job) == 1_030, "A's lease on chunk 2 ends first")
            try a.releaseChunk(jobID: job, seq: 2, notBefore: nil)
            try b.releaseChunk(jobID: job, seq: 1, notBefore: 1_200)
            #expect(try a.openElsewhereUntil(jobID: job) == 1_000, "chunk 2, free and due")
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 2)
            let attempt = try ProtocolJob.inFlight(a, job: job, seq: 2, at: clock.now())
            try a.markAccepted(
                jobID: job, seq: 2, campaignID: "c", messageID: nil, httpStatus: 202, traceID: nil, attemptID: attempt, outcome: "accepted")
            #expect(try b.openElsewhereUntil(jobID: job) == 1_200, "open until the earliest opening: not complete")
            clock.set(1_200)
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 1, "at its opening, any host takes it")
            // A 429's later wait is kept; an earlier opening does not bring it forward.
            let retried = try ProtocolJob.inFlight(b, job: job, seq: 1, at: clock.now())
            try b.markNotProcessed(jobID: job, seq: 1, notBefore: 1_900, error: nil, attemptID: retried)
            #expect(try b.holdChunk(jobID: job, seq: 1, until: 1_200) != nil)
            try b.releaseChunk(jobID: job, seq: 1, notBefore: 1_600)
            #expect(try b.chunk(jobID: job, seq: 1)?.notBefore == 1_900)
            // In flight (its host died): its look-up is due at once, whatever window it waits for.
            clock.set(1_500)
            #expect(try a.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0)
            try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            try a.releaseChunk(jobID: job, seq: 0, notBefore: 5_000)
            #expect(try b.takeNextChunk(jobID: job, after: -1, lane: nil)?.seq == 0, "in doubt: taken at once for its look-up")
        }
    }

    /// After a 429 the chunk is pending without a lease while A's dispatcher keeps it: A's next intent
    /// commit takes it again; had B taken it meanwhile, A's is refused.
    @Test func markInFlightTakesBackAChunkWhoseLeaseAnOutcomeCleared() async throws {
        try await withHosts(chunks: 2) { a, b, job, clock throws in
            for seq in [0, 1] { #expect(try a.takeNextChunk(jobID: job, after: seq - 1, lane: nil)?.seq == seq) }
            for seq in [0, 1] {
                let attempt = try ProtocolJob.inFlight(a, job: job, seq: seq, at: clock.now())
                try a.markNotProcessed(jobID: job, seq: seq, notBefore: 1_010, error: nil, attemptID: attempt)
            }
            #expect(try a.leases(jobID: job).isEmpty, "the outcome cleared both leases")
            clock.set(1_010)
            #expect(try b.takeNextChunk(jobID: job, after: 0, lane: nil)?.seq == 1, "B takes chunk 1 meanwhile")
            try ProtocolJob.inFlight(a, job: job, seq: 0, at: clock.now())
            #expect(try a.chunk(jobID: job, seq: 0)?.attempts == 2)
            #expect(try ProtocolJob.refusal { try ProtocolJob.inFlight(a, job: job, seq: 1, at: clock.now()) } == .heldByAnotherHost)
            #expect(try a.chunk(jobID: job, seq: 1)?.state == .pending)
        }
    }

    /// `appendChangedInput`'s `read` runs on the caller's thread, so it may use the store (here, the same
    /// one: inside an operation that would wait for itself). Rows another host appends while it reads make
    /// the append refuse, storing nothing, instead of numbering two rows alike.
    @Test func aChangedInputReadMayUseTheStoreAndIsRefusedIfAnotherHostAppendedMeanwhile() async throws {
        try await withHosts(chunks: 1) { a, b, job, _ throws in
            let refusal = try ProtocolJob.refusal {
                _ = try a.appendChangedInput(jobID: job, inputFingerprint: "fp-a") { last, store in
                    #expect(try a.lastRow(jobID: job) == last)
                    let queuedByB = try b.appendChangedInput(jobID: job, inputFingerprint: "fp-b") { lastB, storeB in
                        try storeB([ProtocolJob.row(lastB + 1)])
                    }
                    #expect(queuedByB == 1)
                    try store([ProtocolJob.row(last + 1), ProtocolJob.row(last + 2)])
                }
            }
            #expect(refusal == .refused)
            #expect(try a.lastRow(jobID: job) == 6, "B's row only")
            #expect(try a.job(named: "spring")?.inputFingerprint == "fp-b")
        }
    }

    /// Rule refusals are `StateStoreError`s; a closed store is a store failure (`StateFileFailure`).
    @Test func errorsAreMappedToWhatStateStoreCallersCatch() async throws {
        try await withHosts(chunks: 1) { a, b, job, clock throws in
            #expect(try ProtocolJob.refusal { try a.resolveInDoubt(jobID: job, row: 1, as: .sent, force: true) } == .notInDoubt)
            #expect(try ProtocolJob.refusal { try a.restartIngest(jobID: job, inputFingerprint: "x") } == .ingestRestartRefused)
            #expect(try ProtocolJob.refusal { try ProtocolJob.inFlight(a, job: job, seq: 7, at: clock.now()) } == .refused)
            // The ingest lock: one host at a time.
            #expect(try a.tryIngestLock(jobName: "spring"))
            #expect(try !b.tryIngestLock(jobName: "spring"))
            try a.releaseIngestLock(jobName: "spring")
            #expect(try b.tryIngestLock(jobName: "spring"))
            // One key, one budget for both hosts: B's reservation waits for A's slot.
            let budgetA = try #require(try a.keyLedger(apiKey: "zk_test_shared"))
            let budgetB = try #require(try b.keyLedger(apiKey: "zk_test_shared"))
            guard case .reserved = try budgetA.reserve(bucket: "batches", count: 1, window: 60, margin: 0, now: 1_000, maxWait: 0) else {
                Issue.record("the first slot of an empty budget was refused")
                return
            }
            #expect(try budgetB.reserve(bucket: "batches", count: 1, window: 60, margin: 0, now: 1_000, maxWait: 0) == .tooFar(until: 1_060))
            #expect(!budgetB.path.contains("zk_test_shared"), "the key itself is never written: \(budgetB.path)")
            b.close()
            b.close()
            var caught: (any Error)?
            do { _ = try b.jobs() } catch { caught = error }
            #expect(caught is any StateFileFailure, "a closed store fails as a store: \(String(describing: caught))")
            // The server ends B's session (and frees its lock) shortly after the connection closes.
            var freed = false
            for _ in 0..<50 where !freed {
                freed = try a.tryIngestLock(jobName: "spring")
                if !freed { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(freed, "closing B freed its ingest lock")
        }
    }

    /// Two hosts used at once from two tasks of an async test (the cooperative pool has as many threads as
    /// cores): each blocks only its own caller, no deadlock, and between them they take every chunk once.
    @Test(.timeLimit(.minutes(1))) func twoStoresUsedAtOnceFromAsyncTasksDoNotDeadlock() async throws {
        try await withHosts(chunks: 40) { a, b, job, clock throws in
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for store in [a, b] {
                    group.addTask {
                        var taken: [Int] = []
                        for _ in 0..<200 {
                            _ = try store.counts(jobID: job)
                            if let chunk = try store.takeNextChunk(jobID: job, after: -1, lane: nil) { taken.append(chunk.seq) }
                            _ = try store.openElsewhereUntil(jobID: job)
                        }
                        return taken
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            #expect(results.flatMap { $0 }.sorted() == Array(0..<40), "every chunk once between the two hosts")
            _ = clock
        }
    }
}
