import Foundation
import Recipients
import Testing
import TestSupport
import ZiettAPI
import ZiettSimulator

/// `ZIETT_SOAK_SCALE=N` multiplies recipients and kills (scripts/soak); 1 in the regular suite.
enum Soak {
    static var scale: Int { ProcessInfo.processInfo.environment["ZIETT_SOAK_SCALE"].flatMap(Int.init).map { max(1, $0) } ?? 1 }
}

extension EndToEnd {
    /// The core promise, proven with real processes: a run killed with SIGKILL at random moments, then
    /// re-run until it exits 0, has the simulator accept every valid recipient exactly once, with the text
    /// of that recipient's own row. Half the kills land at any moment (start-up, reading, planning), half
    /// once the run has had a request accepted; the test checks that the kills landed (the child died of
    /// SIGKILL) and that some landed in the middle of sending, so it cannot pass by never killing anything.
    @Suite("Kill and resume", .serialized)
    struct KillResumeTests {
        static let sender = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"

        func torture(
            ignoreIdempotencyKeys: Bool, faults: FaultConfiguration, kills: Int, name: String, personalised: Bool = false,
            sharedNames: Int = 0, recipients: Int? = nil, timing: [String] = ["--request-timeout", "2", "--settle", "0.2"],
            configure: (inout SimulatorConfiguration) -> Void = { _ in }
        ) async throws {
            let seed = testSeed(name)
            var rng = TestRandom(seed: seed)
            let dir = temporaryDirectory()
            let scale = Soak.scale
            let fixture = try writeRecipientsFixture(
                count: (recipients ?? (personalised ? 60 : 240)) * scale, in: dir, seed: seed, sharedNames: sharedNames)
            let expected = fixture.expected
            // Each number's text, from the row that introduced it, as the CSV was written.
            let template = personalised ? "Hello {{name}}, see you soon." : "Your appointment is confirmed."
            let expectedText = fixture.names.mapValues { personalised ? "Hello \($0), see you soon." : template }
            var config = SimulatorConfiguration.unlimited
            config.ignoreIdempotencyKeys = ignoreIdempotencyKeys
            config.faults = faults
            config.seed = seed
            configure(&config)
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let state = dir + "/state.sqlite"
            let arguments = [
                "run", fixture.path, "--sender", Self.sender, "--message", template,
                "--country", "AO", "--state", state, "--chunk-size", "7", "--max-rate", personalised ? "40/s" : "10/s", "--read-rate", "2000/s",
                "--backoff-base", "0.005", "--backoff-cap", "0.02", "--max-attempts", "50", "--base-url", server.baseURL,
                "--seed", "\(seed)", "--quiet",
            ] + timing
            let env = ["ZIETT_API_KEY": "zk_test_torture"]
            var landed = 0  // children that died of our SIGKILL
            var landedMidSend = 0  // … after the simulator accepted a request of theirs, with numbers still unsent
            for round in 0..<(kills * scale) {
                let before = await server.ledger().messages.count
                let child = try Child(arguments, environment: env)
                if round.isMultiple(of: 2) {
                    // Any moment from the start: also during start-up, reading the CSV and planning.
                    try await child.waitForExit(atMost: 0.03 + Double(rng.next() % 250) / 1000)
                } else {
                    // Once this run has had something accepted, so the kill lands in the middle of sending.
                    try await waitUntil("run \(round) to have a request accepted") {
                        if !child.isRunning { return true }
                        return await server.ledger().messages.count > before
                    }
                    try await child.waitForExit(atMost: Double(rng.next() % 40) / 1000)
                }
                child.sendSIGKILL()
                let result = try await child.finish()
                if result.killed {
                    landed += 1
                    let ledger = await server.ledger()
                    if ledger.messages.count > before && Set(ledger.messages.map(\.e164)).count < expected.count { landedMidSend += 1 }
                } else {
                    #expect(result.signal == nil, "run \(round) died of signal \(result.signal ?? 0), not of ours")
                    #expect(result.status == 0 || result.status == 75, "run \(round) exited \(result.status): \(result.stdout)\(result.stderr)")
                    if result.status == 0 { break }
                }
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
            print("[\(name)] \(landed) SIGKILLs landed, \(landedMidSend) in the middle of sending; simulator accepted "
                + "\(ledger.messages.count) messages in \(ledger.campaigns.count) batches, responses \(ledger.responses)")
            // The kills proved something only if they landed while there was still work to lose.
            #expect(landed > 0, "no SIGKILL landed")
            #expect(landedMidSend > 0, "no SIGKILL landed while the job was sending")

            // Every number got its own row's text, exactly once; nobody else got anything.
            var textsByNumber: [String: [String]] = [:]
            for message in ledger.messages { textsByNumber[message.e164, default: []].append(message.content) }
            if personalised {
                // Grouped texts: a text that occurs once goes alone; a text's n recipients go in at most
                // ceil(n / 7) requests (the chunk size), each with that text. Counted from the CSV as written.
                var recipientsByText: [String: Int] = [:]
                for text in expectedText.values { recipientsByText[text, default: 0] += 1 }
                var requestsByText: [String: Int] = [:]
                for campaign in ledger.campaigns { requestsByText[campaign.content, default: 0] += 1 }
                for message in ledger.messages where message.campaignID == nil { requestsByText[message.content, default: 0] += 1 }
                for (text, count) in recipientsByText {
                    let requests = requestsByText[text] ?? 0
                    #expect(requests <= (count + 6) / 7, "\(count) recipient(s) of \"\(text)\" went in \(requests) requests")
                    if count == 1 { #expect(!ledger.campaigns.contains { $0.content == text }, "a text that occurs once went in a batch") }
                }
                if sharedNames == 0 { #expect(ledger.campaigns.isEmpty, "texts that all differ go as single messages") }
                else { #expect(!ledger.campaigns.isEmpty, "no text was batched") }
            }
            let wrong = expectedText.filter { number, text in textsByNumber[number] != [text] }
                .map { "\($0.key): expected [\($0.value)], got \(textsByNumber[$0.key] ?? [])" }
            let unexpected = Set(textsByNumber.keys).subtracting(expected)
            #expect(wrong.isEmpty, "\(wrong.count) number(s) not sent exactly once with their own text: \(wrong.sorted().prefix(5))")
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

        /// A personalised text that repeats (eight shared names, a third of the rows with their own): rows
        /// with the same text go in shared batches and the rest as single messages, side by side, under
        /// lost replies, server errors and ignored keys, across SIGKILLs; every recipient still gets
        /// exactly their own row's text, once.
        @Test func groupedTextsGoOnceEachInSharedBatchesAcrossKills() async throws {
            var faults = FaultConfiguration()
            faults.lostReplyRate = 0.2
            faults.serverErrorRate = 0.05
            faults.latency = 0.01
            try await torture(
                ignoreIdempotencyKeys: true, faults: faults, kills: 10, name: "kill+grouped-texts", personalised: true,
                sharedNames: 8, recipients: 120)
        }

        /// An API slower and laggier than the client: every send is finished 1.5 s after it arrived, after
        /// the client gave up at 1 s (a timeout, in doubt), and lists show a write only 0.5 s later still;
        /// some 2xx answers are a proxy's page that did nothing; keys are ignored. A look-up made before the
        /// attempt settled would find nothing and resend: the run must park the chunk until its start +
        /// --request-timeout + --settle (here 1 + 1.5 s), then look.
        @Test(arguments: [false, true])
        func exactlyOnceHoldsAgainstSlowWorkLaggingListsAndPhantomAnswers(personalised: Bool) async throws {
            var faults = FaultConfiguration()
            faults.phantomAcceptRate = 0.15
            faults.latency = 0.01
            try await torture(
                ignoreIdempotencyKeys: true, faults: faults, kills: 6, name: "slow+lag+phantom\(personalised ? "+singles" : "")",
                personalised: personalised, recipients: personalised ? 24 : 70, timing: ["--request-timeout", "1", "--settle", "1.5"]
            ) { config in
                var slow = config.faults
                slow.workDelay = 1.5
                config.faultsByEndpoint[.sendBatch] = slow
                config.faultsByEndpoint[.sendMessage] = slow
                config.fidelity.listLag = 0.5
            }
        }
    }
}
