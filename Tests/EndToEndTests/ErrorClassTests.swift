import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// Error classes, each against the real binary and the in-process simulator.
    @Suite("Error classes")
    struct ErrorClassTests {
        func arguments(_ csv: String, _ state: String, _ server: ZiettSimulatorServer, extra: [String] = []) -> [String] {
            ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hello from the test.", "--country", "AO", "--state", state,
             "--base-url", server.baseURL, "--chunk-size", "10", "--max-rate", "200/s", "--read-rate", "2000/s",
             "--backoff-base", "0.01", "--backoff-cap", "0.05", "--request-timeout", "2", "--settle", "0.2"] + extra
        }

        @Test func insufficientFundsStopsResumablyAndFinishesOnceFundsAreRestored() async throws {
            var config = SimulatorConfiguration.unlimited
            config.balance = 35
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 80, in: dir, seed: 11)
            let args = arguments(csv, dir + "/s.sqlite", server)
            let first = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_funds"])
            #expect(first.status == 75, "\(first.stdout)\(first.stderr)")
            #expect(first.stderr.contains("insufficient funds"))
            #expect(first.stderr.contains("still to send"))
            await server.reconfigure { $0.balance = 1_000 }
            let second = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_funds"])
            #expect(second.status == 0, "\(second.stdout)")
            let counts = await server.ledger().acceptedCountByNumber
            #expect(Set(counts.keys) == expected)
            #expect(counts.values.allSatisfy { $0 == 1 })
            await server.stop()
        }

        @Test func batchRefusedForSomeRecipientsIsSplitSoTheOthersStillGo() async throws {
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 30, in: dir, seed: 12)
            let refused = Set(expected.sorted().prefix(2))
            var config = SimulatorConfiguration.unlimited
            config.rejectedRecipients = refused
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let state = dir + "/s.sqlite"
            let result = try await runBinary(arguments(csv, state, server), environment: ["ZIETT_API_KEY": "zk_test_split"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let counts = await server.ledger().acceptedCountByNumber
            #expect(Set(counts.keys) == expected.subtracting(refused))
            #expect(counts.values.allSatisfy { $0 == 1 })
            let report = try await runBinary(["report", "--state", state, "--only", "rejected"])
            #expect(report.status == 0)
            for number in refused { #expect(report.stdout.contains(number)) }
            #expect(report.stdout.contains("VALIDATION_ERROR"))
            await server.stop()
        }

        @Test func serverErrorsAreRetriedAndRetriesExhaustedMeansRunAgainLater() async throws {
            var config = SimulatorConfiguration.unlimited
            config.faults.serverErrorRate = 1.0
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 20, in: dir, seed: 13)
            let args = arguments(csv, dir + "/s.sqlite", server, extra: ["--max-attempts", "3"])
            let failing = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_5xx"])
            #expect(failing.status == 75, "\(failing.stdout)\(failing.stderr)")
            #expect(failing.stderr.contains("the API kept failing"))
            await server.reconfigure { $0.faults.serverErrorRate = 0 }
            let healed = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_5xx"])
            #expect(healed.status == 0, "\(healed.stdout)")
            let counts = await server.ledger().acceptedCountByNumber
            #expect(Set(counts.keys) == expected && counts.values.allSatisfy { $0 == 1 })
            await server.stop()
        }

        @Test func sigtermStopsWithinSecondsAndTheNextRunFinishesExactlyOnce() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 200, in: dir, seed: 14)
            var args = arguments(csv, dir + "/s.sqlite", server)
            args[args.firstIndex(of: "200/s")!] = "4/s"
            let child = try Child(args, environment: ["ZIETT_API_KEY": "zk_test_term"])
            // Ready once the simulator has the run's first request: it is sending, 20 requests at 4/s.
            try await waitUntil("the run's first request") {
                if !child.isRunning { return true }
                return await !server.ledger().campaigns.isEmpty
            }
            try #require(child.isRunning, "the run ended before it was stopped: \(child.stdoutSoFar)")
            let sent = Date()
            child.terminate()
            let stopped = try await child.finish()
            #expect(stopped.status == 75, "\(stopped.stdout)\(stopped.stderr)")
            #expect(Date().timeIntervalSince(sent) < 4)
            #expect(await server.ledger().campaigns.count < 20, "stopped before the end")
            let again = try await runBinary(arguments(csv, dir + "/s.sqlite", server), environment: ["ZIETT_API_KEY": "zk_test_term"])
            #expect(again.status == 0, "\(again.stdout)")
            let counts = await server.ledger().acceptedCountByNumber
            #expect(Set(counts.keys) == expected && counts.values.allSatisfy { $0 == 1 })
            await server.stop()
        }

        @Test func pacingReachesTheServersLimitWithoutProvoking429() async throws {
            var config = SimulatorConfiguration.unlimited
            config.batchLimit = .init(count: 10, window: 4)
            // With the simulator's X-RateLimit-* headers, whose reset is whole seconds: our own full window
            // is trusted over the rounded reset (SlidingWindowPacer.observe), or this would reach ~55 %.
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 80, in: dir, seed: 15)
            var args = arguments(csv, dir + "/s.sqlite", server)
            args[args.firstIndex(of: "200/s")!] = "10/4s"
            args[args.firstIndex(of: "10")!] = "4"  // chunk size → 20 requests
            let result = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_pace"])
            #expect(result.status == 0, "\(result.stdout)")
            let ledger = await server.ledger()
            let times = ledger.campaigns.map(\.createdAt).sorted()
            let limited = ledger.responses.filter { $0.key.hasSuffix(" 429") }.values.reduce(0, +)
            #expect(times.count == 20)
            // Smooth pacing at 10 per 4 s is one request every 0.4 s, and no 4 s window with more than 10:
            // the best 20 requests can do is 19 × 0.4 = 7.6 s from first to last. Achieved rate = that over
            // the real span. (Each window also loses a round trip and a commit: the client counts a request
            // at its answer; negligible against 60 s windows, visible against this one.)
            let span = times[19] - times[0]
            let achieved = 7.6 / span
            print("[pacing] 20 requests in \(String(format: "%.3f", span)) s: \(String(format: "%.1f", achieved * 100)) % of the limit, 429s: \(limited)")
            #expect(limited == 0)
            #expect(achieved >= 0.95, "achieved rate below 95 % of the limit")
            await server.stop()
        }
    }
}

extension EndToEnd {
    @Suite("Error threshold")
    struct ErrorThresholdTests {
        @Test func maxErrorsStopsARunThatIsOnlyBurningMoney() async throws {
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 40, in: dir, seed: 31)
            var config = SimulatorConfiguration.unlimited
            config.rejectedRecipients = Set(expected.sorted().prefix(20))
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let args = EndToEnd.ErrorClassTests().arguments(csv, dir + "/s.sqlite", server, extra: ["--max-errors", "2"])
            let result = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_errors"])
            #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("--max-errors"))
            await server.stop()
        }
    }
}

extension EndToEnd {
    @Suite("Documentation ambiguities")
    struct AmbiguityTests {
        @Test func aNullBatchAnswerStillRecordsTheCampaignIDFoundByName() async throws {
            var config = SimulatorConfiguration.unlimited
            config.batchAcceptedBodyIsNull = true
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 25, in: dir, seed: 41)
            let state = dir + "/s.sqlite"
            let result = try await runBinary(EndToEnd.ErrorClassTests().arguments(csv, state, server), environment: ["ZIETT_API_KEY": "zk_test_null"])
            #expect(result.status == 0, "\(result.stdout)")
            let ids = Set(await server.ledger().campaigns.map(\.id))
            let report = try await runBinary(["report", "--state", state, "--only", "sent"])
            let reported = report.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[6] }
            #expect(!reported.isEmpty && reported.allSatisfy { ids.contains(String($0)) })
            await server.stop()
        }
    }
}
