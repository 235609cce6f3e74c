import Checkpoint
import Delivery
import Foundation
import Logging
import Recipients
import Testing
import TestSupport
import ZiettAPI
import ZiettClient
import ZiettSimulator

/// The dispatcher, the reconciler and the tracker built directly, with a `ManualClock`, against the real
/// simulator on 127.0.0.1: minutes of pacing and backoff pass in milliseconds, and the simulator's
/// ledger says what the API received.
@Suite("Dispatcher, reconciler and tracker with a manual clock", .serialized, .temporaryFiles)
struct DispatcherTests {
    static let key = "zk_dispatch_tests"

    /// A planned job of `numbers` (Angolan, 9 digits) in a fresh state file, the simulator, a client.
    struct Fixture {
        let dir: String
        let store: SQLiteStateStore
        let job: Job
        let server: ZiettSimulatorServer
        let client: ZiettClient
        let numbers: [String]

        func close() async {
            await client.shutdown()
            await server.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    static func fixture(
        count: Int, chunkSize: Int = 4, message: String = "Hello",
        configure: (inout SimulatorConfiguration) -> Void = { _ in }, name: (Int) -> String = { "N\($0)" }
    ) async throws -> Fixture {
        let dir = temporaryDirectory()
        let numbers = (0..<count).map { "+24492300\(String(format: "%04d", $0))" }
        let csv = dir + "/in.csv"
        try (["phone,name"] + numbers.enumerated().map { "\($0.element),\(name($0.offset))" }).joined(separator: "\n")
            .appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try SQLiteStateStore(path: dir + "/state.sqlite")
        let settings = JobSettings(csvPath: csv, sender: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e", message: message, country: "AO", phoneColumn: nil, chunkSize: chunkSize)
        let created = try store.createJob(name: "j", settings: settings, inputFingerprint: "f")
        _ = try Ingestor().run(
            store: store, job: created,
            classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: message) },
            suppression: [], shouldStop: { false })
        var config = SimulatorConfiguration.unlimited
        config.lifecycle = .instant
        config.apiKeys = [key]
        configure(&config)
        let server = try await ZiettSimulatorServer.start(configuration: config)
        let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: server.baseURL, apiKey: key, requestTimeout: .seconds(5)))
        return Fixture(dir: dir, store: store, job: try #require(try store.job(named: "j")), server: server, client: client, numbers: numbers)
    }

    /// Requests to `endpoint` the simulator answered (any status; lost replies not included).
    static func answered(_ ledger: LedgerSnapshot, _ endpoint: ZiettEndpoint) -> Int {
        ledger.responses.filter { $0.key.hasPrefix(endpoint.rawValue + " ") && !$0.key.hasSuffix(" lost") }.values.reduce(0, +)
    }

    static func options(maxRate: RateLimit? = nil) -> DispatchOptions {
        var options = DispatchOptions(seed: 5)
        options.maxRate = maxRate
        return options
    }

    @Test func pacingWaitsPassOnTheManualClockAndEveryNumberGetsItsTextOnce() async throws {
        let f = try await Self.fixture(count: 10)
        let clock = ManualClock()
        let start = clock.now()
        let dispatcher = try Dispatcher(
            store: f.store, job: f.job, client: f.client, options: Self.options(maxRate: RateLimit(count: 1, window: 60)),
            stop: StopFlag(), clock: clock, logger: Logger(label: "test"))
        let end = try await dispatcher.run()
        let ledger = await f.server.ledger()
        await f.close()

        #expect(end == .complete)
        // 3 batches (4 + 4 + 2) at 1 per minute: two full windows waited, on the manual clock only.
        #expect(ledger.campaigns.count == 3)
        #expect(clock.now() - start >= 120)
        #expect(!clock.sleeps.isEmpty)
        let received = ledger.campaigns.flatMap(\.recipients).sorted()
        #expect(received == f.numbers.sorted())
        #expect(Set(ledger.campaigns.map(\.content)) == ["Hello"])
        #expect(dispatcher.acceptedThisRun == 10 && dispatcher.requestsThisRun == 3)
    }

    /// Grouped texts: 15 rows in 3 shared texts go as 3 batches, 25 texts that occur once as single
    /// messages, and the two lanes go side by side at their documented limits, spaced by the key's budget
    /// (a batch every 6 s, a message every 0.5 s): about 12 s in all, where one after the other would take
    /// 24 s.
    @Test func batchesAndSingleMessagesOfGroupedTextsGoSideBySideEachAtItsOwnLimit() async throws {
        let f = try await Self.fixture(count: 40, chunkSize: 5, message: "Hi {{name}}", name: { $0 < 15 ? "G\($0 % 3)" : "N\($0)" })
        // Its reads would come first, at the read budget's pace: only the sends are timed here.
        var noResendCheck = Self.options()
        noResendCheck.resendWindow = nil
        let clock = ManualClock()
        let start = clock.now()
        let dispatcher = try Dispatcher(
            store: f.store, job: f.job, client: f.client, options: noResendCheck, stop: StopFlag(), clock: clock,
            budget: try KeyBudget(directory: f.dir + "/keys", apiKey: Self.key, logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        let end = try await dispatcher.run()
        let ledger = await f.server.ledger()
        let batchTimes = try f.store.attemptTimes(endpoint: ZiettEndpoint.sendBatch.rawValue, since: 0)
        let messageTimes = try f.store.attemptTimes(endpoint: ZiettEndpoint.sendMessage.rawValue, since: 0)
        await f.close()

        #expect(end == .complete)
        #expect(ledger.campaigns.count == 3 && ledger.campaigns.allSatisfy { $0.recipients.count == 5 })
        #expect(ledger.messages.filter { $0.campaignID == nil }.count == 25)
        var texts: [String: String] = [:]
        for message in ledger.messages { texts[message.e164] = message.content }
        #expect(texts == Dictionary(uniqueKeysWithValues: f.numbers.enumerated().map {
            ($0.element, "Hi \($0.offset < 15 ? "G\($0.offset % 3)" : "N\($0.offset)")")
        }))
        let elapsed = clock.now() - start
        #expect(elapsed >= 11.9 && elapsed < 13, "took \(elapsed) s on the manual clock")
        // Messages went while the batch lane waited its spacing.
        #expect(batchTimes.count == 3 && messageTimes.count == 25)
        #expect(messageTimes.contains { $0 < batchTimes[1] })
    }

    @Test func aLostReplyIsLookedUpAfterItsBackoffAndRecordedReconciledNeverResent() async throws {
        let f = try await Self.fixture(count: 6) { config in
            var faults = FaultConfiguration()
            faults.lostReplyRate = 1  // every batch is created, and its answer never arrives
            config.faultsByEndpoint[.sendBatch] = faults
            config.ignoreIdempotencyKeys = true
        }
        let clock = ManualClock()
        let start = clock.now()
        let dispatcher = try Dispatcher(
            store: f.store, job: f.job, client: f.client, options: Self.options(), stop: StopFlag(), clock: clock,
            logger: Logger(label: "test"))
        let end = try await dispatcher.run()
        let ledger = await f.server.ledger()
        let chunks = try f.store.chunks(jobID: f.job.id, in: ChunkState.allCases)
        await f.close()

        #expect(end == .complete)
        // No look-up before the attempts settled: the run parked both chunks and waited on its clock.
        #expect(clock.now() - start >= DispatchOptions(seed: 0).settleAfter)
        // The fault happened: each POST's reply was lost, and each was then found by a look-up.
        #expect(ledger.responses["POST /campaigns/batch lost"] == 2)
        #expect(Self.answered(ledger, .sendBatch) == 0)
        #expect(Self.answered(ledger, .listCampaigns) == 2)
        #expect(dispatcher.retriesThisRun == 2)
        #expect(ledger.campaigns.flatMap(\.recipients).sorted() == f.numbers.sorted())
        #expect(chunks.allSatisfy { $0.state == .accepted && $0.campaignID != nil })
    }

    @Test func theReconcilerPagesThroughCampaignsAndRetriesAFailingRead() async throws {
        let f = try await Self.fixture(count: 2) { config in
            var faults = FaultConfiguration()
            faults.readErrorRate = 0.3
            config.faults = faults
        }
        // 205 campaigns whose names all match the search, more than one page of 200; the one wanted is the
        // last created, so it is on the second page (lists are read oldest first).
        let names = (0..<204).map { "zb-find-\($0)" } + ["zb-find"]
        for name in names {
            let body = try WireCoding.encoder().encode(BatchCampaignRequest(
                name: name, remitterID: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e", content: "x",
                recipients: ["+244923000001", "+244923000002"], countryAlpha2: nil))
            var created = false
            for _ in 0..<10 where !created {
                created = (try? await f.client.postBatch(body: Array(body), idempotencyKey: name).get().isSuccess) == true
            }
            try #require(created)
        }
        let clock = ManualClock()
        let gate = RequestGate(schedule: RequestSchedule(maxWait: 900), clock: clock, stop: StopFlag())
        let reader = ListReader(client: f.client, gate: gate, maxAttempts: 20, backoff: Backoff(seed: 3), logger: Logger(label: "test"))
        let reconciler = Reconciler(reader: reader)
        let found = await reconciler.findBatch(named: "zb-find")
        let afterFound = reader.pagesRead
        let absent = await reconciler.findBatch(named: "zb-never-sent")
        let ledger = await f.server.ledger()
        await f.close()

        guard case .found(let id?, nil) = found else {
            Issue.record("expected the campaign, got \(found)")
            return
        }
        #expect(!id.isEmpty)
        #expect(absent == .absent)
        // Two pages were read to find it (plus retries of the failed reads).
        let ok = ledger.responses["GET /campaigns 200", default: 0]
        let failed = Self.answered(ledger, .listCampaigns) - ok
        #expect(ok >= 3, "two pages for the one found, at least one for the absent one")
        #expect(afterFound >= 2)
        // Read errors were injected and retried: every request the reader made reached the simulator.
        #expect(failed > 0)
        #expect(reader.pagesRead == ok + failed)
    }

    @Test func aSingleMessageStampedByASlowAPIClockIsFoundWithinTheSkewMargin() async throws {
        let f = try await Self.fixture(count: 1) { config in
            config.clockOffset = -120  // the API's clock is two minutes behind ours
        }
        let sender = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"
        let body = try WireCoding.encoder().encode(SendMessageRequest(remitterID: sender, targetE164: "+244923000009", content: "Hi"))
        let sentAt = Date().timeIntervalSince1970
        _ = try await f.client.postMessage(body: Array(body), idempotencyKey: "skew").get()
        let gate = RequestGate(schedule: RequestSchedule(maxWait: 900), clock: ManualClock(), stop: StopFlag())
        let reconciler = Reconciler(reader: ListReader(
            client: f.client, gate: gate, maxAttempts: 3, backoff: Backoff(seed: 1), logger: Logger(label: "test")))
        let withMargin = await reconciler.findMessage(e164: "+244 923 000 009", content: "Hi", sender: sender, since: sentAt, clockSkewMargin: 300)
        let withoutMargin = await reconciler.findMessage(e164: "+244923000009", content: "Hi", sender: sender, since: sentAt, clockSkewMargin: 1)
        let otherSender = await reconciler.findMessage(
            e164: "+244923000009", content: "Hi", sender: "0190f0aa-8c5e-7b7d-9c4e-000000000000", since: sentAt, clockSkewMargin: 300)
        await f.close()

        guard case .found(nil, let id?) = withMargin else {
            Issue.record("our message must be found despite the API's slow clock, got \(withMargin)")
            return
        }
        #expect(!id.isEmpty)
        // The fault bites: a window without the margin would have called our own message absent.
        #expect(withoutMargin == .absent)
        #expect(otherSender == .absent)
    }

    @Test func theTrackerRecordsDeliveryOfEveryAcceptedRecipient() async throws {
        let f = try await Self.fixture(count: 5)
        let clock = ManualClock()
        let dispatcher = try Dispatcher(
            store: f.store, job: f.job, client: f.client, options: Self.options(), stop: StopFlag(), clock: clock,
            logger: Logger(label: "test"))
        #expect(try await dispatcher.run() == .complete)
        let tracker = DeliveryTracker(store: f.store, job: f.job, client: f.client, clock: clock, logger: Logger(label: "test"))
        let report = try await tracker.run()
        let counts = try f.store.deliveryCounts(jobID: f.job.id)
        await f.close()

        #expect(report.end == .complete)
        #expect(report.recipientsUpdated == 5)
        #expect(counts.byStatus.values.reduce(0, +) == 5)
    }
}

@Suite("Clock")
struct ClockTests {
    /// A clock whose wall time jumps back an hour during the first wait step.
    final class SteppingClock: JobClock, @unchecked Sendable {
        var wall = 10_000.0
        var monotonic = 0.0
        var stepped = false
        func now() -> Double { wall }
        func monotonicNow() -> Double { monotonic }
        func sleep(for seconds: Double) async {
            monotonic += seconds
            wall += seconds
            if !stepped {
                stepped = true
                wall -= 3_600
            }
        }
    }

    @Test func aWallClockStepBackDuringAWaitNeitherStallsNorStretchesIt() async {
        let clock = SteppingClock()
        let finished = await StopFlag().sleep(until: 10_005, clock: clock)
        #expect(finished)
        #expect(clock.stepped)
        // Five seconds of monotonic time, although the wall clock went back an hour after the first step.
        #expect(abs(clock.monotonic - 5) < 1e-9)
    }

    @Test func aStopEndsAWaitAtOnce() async {
        let stop = StopFlag()
        stop.request()
        let clock = ManualClock()
        #expect(await stop.sleep(until: clock.now() + 600, clock: clock) == false)
        #expect(clock.sleeps.isEmpty)
    }
}
