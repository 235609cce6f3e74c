import Checkpoint
import Delivery
import Foundation
import Logging
import Recipients
import Testing
import ZiettAPI
import ZiettClient
import ZiettSimulator

/// The dispatcher with a send window, a `ManualClock` and the real simulator: open groups go, closed ones
/// wait (the run ends saying when the next opens, or waits for it within `--max-wait`), each number once;
/// past the campaign's end nothing more is sent.
@Suite("Dispatcher with send windows and a manual clock", .serialized)
struct WindowDispatcherTests {
    static let key = "zk_window_dispatch"
    // Luanda (UTC+1) and New York (UTC-4 in June).
    static let luanda = ["+244923000001", "+244923000002", "+244923000003"]
    static let newYork = ["+12015550123", "+12015550124"]

    struct Fixture {
        let dir: String
        let store: SQLiteStateStore
        let job: Job
        let server: ZiettSimulatorServer
        let client: ZiettClient

        func close() async {
            await client.shutdown()
            await server.stop()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    static func fixture(window: String?, notAfter: Double? = nil, message: String = "Hello") async throws -> Fixture {
        let dir = NSTemporaryDirectory() + "zb-window-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let csv = dir + "/in.csv"
        let numbers = [newYork[0], luanda[0], luanda[1], newYork[1], luanda[2]]
        try (["phone"] + numbers).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try SQLiteStateStore(path: dir + "/state.sqlite")
        var settings = JobSettings(
            csvPath: csv, sender: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e", message: message, country: "AO", phoneColumn: nil, chunkSize: 2)
        settings.sendWindow = window
        settings.notAfter = notAfter
        let created = try store.createJob(name: "j", settings: settings, inputFingerprint: "f")
        _ = try Ingestor().run(
            store: store, job: created,
            classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: message, policy: settings.recipientPolicy) },
            suppression: [], shouldStop: { false })
        var config = SimulatorConfiguration.unlimited
        config.apiKeys = [key]
        let server = try await ZiettSimulatorServer.start(configuration: config)
        let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: server.baseURL, apiKey: key, requestTimeout: .seconds(5)))
        return Fixture(dir: dir, store: store, job: try #require(try store.job(named: "j")), server: server, client: client)
    }

    static func time(_ iso: String) throws -> Double { try SendSchedule.parseTime(iso, option: "test") }

    func dispatch(_ f: Fixture, clock: ManualClock, maxWait: Double = 900) throws -> Dispatcher {
        var options = DispatchOptions(seed: 3)
        options.maxWait = maxWait
        return try Dispatcher(store: f.store, job: f.job, client: f.client, options: options, stop: StopFlag(), clock: clock, logger: Logger(label: "test"))
    }

    @Test func openGroupsGoClosedOnesEndTheRunNamingTheOpeningThenGoOnce() async throws {
        let f = try await Self.fixture(window: "09:00-20:00")
        // 2026-06-10 12:00Z: Luanda 13:00 (open), New York 08:00 (opens at 13:00Z).
        let clock = ManualClock(now: try Self.time("2026-06-10T12:00:00Z"))
        let first = try await dispatch(f, clock: clock).run()
        #expect(first == .outsideWindow(nextOpening: try Self.time("2026-06-10T13:00:00Z")))
        var ledger = await f.server.ledger()
        #expect(Set(ledger.acceptedCountByNumber.keys) == Set(Self.luanda))
        // No batch mixes the zones: Luanda's three rows are a whole chunk of 2 and one of 1 (a single
        // message: a batch needs 2 recipients).
        #expect(ledger.campaigns.map(\.recipients) == [[Self.luanda[0], Self.luanda[1]]])
        #expect(ledger.messages.filter { $0.campaignID == nil }.map(\.e164) == [Self.luanda[2]])
        #expect(clock.sleeps.allSatisfy { $0 < 900 })

        clock.advance(by: 3_600)
        let second = try await dispatch(f, clock: clock).run()
        #expect(second == .complete)
        ledger = await f.server.ledger()
        #expect(ledger.acceptedCountByNumber == Dictionary(uniqueKeysWithValues: (Self.luanda + Self.newYork).map { ($0, 1) }))
        await f.close()
    }

    @Test func personalisedMessagesWaitForTheirOwnRecipientsWindow() async throws {
        let f = try await Self.fixture(window: "09:00-20:00", message: "Hi {{phone}}")
        let clock = ManualClock(now: try Self.time("2026-06-10T12:00:00Z"))
        #expect(try await dispatch(f, clock: clock).run() == .outsideWindow(nextOpening: try Self.time("2026-06-10T13:00:00Z")))
        #expect(Set(await f.server.ledger().acceptedCountByNumber.keys) == Set(Self.luanda))
        clock.advance(by: 3_600)
        #expect(try await dispatch(f, clock: clock).run() == .complete)
        let ledger = await f.server.ledger()
        #expect(ledger.campaigns.isEmpty)
        #expect(ledger.acceptedCountByNumber == Dictionary(uniqueKeysWithValues: (Self.luanda + Self.newYork).map { ($0, 1) }))
        await f.close()
    }

    @Test func anOpeningWithinTheLongestWaitIsWaitedForOnTheClock() async throws {
        let f = try await Self.fixture(window: "09:00-20:00")
        let clock = ManualClock(now: try Self.time("2026-06-10T12:50:00Z"))  // New York opens in 10 minutes
        let end = try await dispatch(f, clock: clock).run()
        #expect(end == .complete)
        #expect(clock.now() >= (try Self.time("2026-06-10T13:00:00Z")))
        #expect(await f.server.ledger().acceptedCountByNumber.count == 5)
        await f.close()
    }

    @Test func pastTheCampaignsEndEveryRowExpiresWithoutARequest() async throws {
        let end = try Self.time("2026-06-10T11:00:00Z")
        let f = try await Self.fixture(window: nil, notAfter: end)
        let clock = ManualClock(now: end + 1)
        #expect(try await dispatch(f, clock: clock).run() == .complete)
        let counts = try f.store.counts(jobID: f.job.id)
        #expect(counts.recipients(.expired) == 5)
        #expect(counts.recipients(.pending) == 0)
        let ledger = await f.server.ledger()
        #expect(ledger.campaigns.isEmpty && ledger.responses.isEmpty)
        await f.close()
    }

    @Test func theCampaignsEndReachedWhileWaitingExpiresTheChunksLeft() async throws {
        // New York waits for 13:00Z, but the campaign ends at 12:30Z, within the longest wait.
        let f = try await Self.fixture(window: "09:00-20:00", notAfter: try Self.time("2026-06-10T12:30:00Z"))
        let clock = ManualClock(now: try Self.time("2026-06-10T12:20:00Z"))
        #expect(try await dispatch(f, clock: clock).run() == .complete)
        let counts = try f.store.counts(jobID: f.job.id)
        #expect(counts.recipients(.sent) == 3)
        #expect(counts.recipients(.expired) == 2)
        #expect(counts.chunks(.expired) == 1)
        #expect(Set(await f.server.ledger().acceptedCountByNumber.keys) == Set(Self.luanda))
        await f.close()
    }
}
