import Foundation
import Recipients
import Testing
import ZiettSimulator

/// `ZIETT_SOAK_SCALE=N` multiplies recipients and kills (scripts/soak); 1 in the regular suite.
enum Soak {
    static var scale: Int { ProcessInfo.processInfo.environment["ZIETT_SOAK_SCALE"].flatMap(Int.init).map { max(1, $0) } ?? 1 }
}

extension EndToEnd {
    /// The core promise, proven with real processes: a run killed with SIGKILL at random moments, then
    /// re-run until it exits 0, has the simulator accept every valid recipient exactly once.
    @Suite("Kill and resume", .serialized)
    struct KillResumeTests {
        static let sender = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"

        func torture(ignoreIdempotencyKeys: Bool, faults: FaultConfiguration, kills: Int, name: String, personalised: Bool = false) async throws {
            let seed = testSeed(name)
            var rng = TestRandom(seed: seed)
            let dir = temporaryDirectory()
            let scale = Soak.scale
            let (csv, expected) = try writeRecipients(count: (personalised ? 60 : 240) * scale, in: dir, seed: seed)
            var config = SimulatorConfiguration.unlimited
            config.ignoreIdempotencyKeys = ignoreIdempotencyKeys
            config.faults = faults
            config.seed = seed
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let state = dir + "/state.sqlite"
            let arguments = [
                "run", csv, "--sender", Self.sender, "--message", personalised ? "Hello {{name}}, see you soon." : "Your appointment is confirmed.",
                "--country", "AO", "--state", state, "--chunk-size", "7", "--max-rate", personalised ? "40/s" : "10/s", "--read-rate", "2000/s",
                "--backoff-base", "0.005", "--backoff-cap", "0.02", "--max-attempts", "50", "--base-url", server.baseURL,
                "--seed", "\(seed)", "--quiet",
            ]
            let env = ["ZIETT_API_KEY": "zk_test_torture"]
            var killedRuns = 0
            for _ in 0..<(kills * scale) {
                let delay = 0.03 + Double(rng.next() % 250) / 1000
                let result = try await runBinary(arguments, environment: env, killAfter: delay)
                if result.killed { killedRuns += 1 } else if result.status == 0 { break }
            }
            var finalStatus: Int32 = -1
            var lastOutput = ""
            for _ in 0..<(30 * scale) {
                let result = try await runBinary(arguments, environment: env)
                finalStatus = result.status
                lastOutput = result.stdout + result.stderr
                if result.status == 0 { break }
                #expect(result.status == 75, "unexpected exit \(result.status): \(lastOutput)")
            }
            #expect(finalStatus == 0, "never completed: \(lastOutput)")
            let ledger = await server.ledger()
            await server.stop()
            let counts = ledger.acceptedCountByNumber
            if personalised {
                #expect(ledger.campaigns.isEmpty, "personalised texts go as single messages")
                #expect(ledger.messages.allSatisfy { $0.content.hasPrefix("Hello Person ") || $0.content.hasPrefix("Hello Duplicate") })
            }
            let twice = counts.filter { $0.value > 1 }
            let missing = expected.filter { counts[$0] == nil }
            let unexpected = Set(counts.keys).subtracting(expected)
            print("[\(name)] killed \(killedRuns) runs; simulator accepted \(counts.count) numbers in \(ledger.campaigns.count) batches, responses \(ledger.responses)")
            #expect(twice.isEmpty, "sent more than once: \(twice.prefix(5))")
            #expect(missing.isEmpty, "never sent: \(missing.prefix(5))")
            #expect(unexpected.isEmpty, "sent to numbers not in the CSV: \(unexpected.prefix(5))")
            // A completed job run again sends nothing and exits 0.
            let again = try await runBinary(arguments, environment: env)
            #expect(again.status == 0)
        }

        @Test func killedRunsResumeAndSendEachRecipientExactlyOnce() async throws {
            var faults = FaultConfiguration()
            faults.latency = 0.01
            try await torture(ignoreIdempotencyKeys: false, faults: faults, kills: 12, name: "kill")
        }

        @Test func exactlyOnceHoldsUnderFaultsEvenWhenTheAPIIgnoresIdempotencyKeys() async throws {
            var faults = FaultConfiguration()
            faults.serverErrorRate = 0.1
            faults.lostReplyRate = 0.15
            faults.spuriousRateLimitRate = 0.05
            faults.readErrorRate = 0.05
            faults.latency = 0.01
            try await torture(ignoreIdempotencyKeys: true, faults: faults, kills: 12, name: "kill+faults+no-idempotency")
        }

        @Test func personalisedSingleMessagesAreReconciledByNumberAndTextAfterLostReplies() async throws {
            var faults = FaultConfiguration()
            faults.lostReplyRate = 0.2
            faults.serverErrorRate = 0.05
            try await torture(ignoreIdempotencyKeys: true, faults: faults, kills: 8, name: "kill+singles", personalised: true)
        }
    }
}
