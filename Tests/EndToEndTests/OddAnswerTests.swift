import Checkpoint
import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// Exactly-once rules 3, 4 and 8 against odd APIs, with SIGKILLs and `Idempotency-Key` ignored: a
    /// redirect in the middle of a campaign, and an API whose clock is behind ours.
    @Suite("Odd answers", .serialized)
    struct OddAnswerTests {
        static let env = ["ZIETT_API_KEY": "zk_test_odd_answers"]

        /// A redirect (a moved API, a proxy) appears after a run was killed mid-send: the next run stops
        /// with 64, marks nothing and sends nothing anywhere; once the address is right again the job
        /// finishes with every recipient accepted exactly once.
        @Test(arguments: [false, true])
        func aRedirectStopsTheRunWithNothingMarkedAndTheJobFinishesOnceItIsGone(personalised: Bool) async throws {
            var configuration = SimulatorConfiguration.unlimited
            configuration.ignoreIdempotencyKeys = true
            configuration.faults.lostReplyRate = 0.3
            let server = try await ZiettSimulatorServer.start(configuration: configuration)
            let elsewhere = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: personalised ? 20 : 40, in: dir, seed: 41)
            let state = dir + "/s.sqlite"
            let arguments = [
                "run", csv, "--sender", JobFileTests.sender, "--message", personalised ? "Hi {{name}}" : "Hi", "--country", "AO",
                "--state", state, "--base-url", server.baseURL, "--chunk-size", "5", "--max-rate", "5/s", "--read-rate", "100/s",
                "--request-timeout", "2", "--settle", "0.2", "--backoff-base", "0.005", "--backoff-cap", "0.02", "--max-attempts", "50",
            ]
            let first = try Child(arguments, environment: Self.env)
            try await waitUntil("a request accepted") {
                if !first.isRunning { return true }
                return await !server.ledger().messages.isEmpty
            }
            first.sendSIGKILL()
            #expect(try await first.finish().killed, "the kill landed")

            await server.reconfigure { $0.fidelity.redirectTo = elsewhere.baseURL }
            let before = try SQLiteStateStore(path: state, readOnly: true).counts(jobID: 1)
            let ledgerBefore = await server.ledger()
            let redirected = try await runBinary(arguments, environment: Self.env)
            #expect(redirected.status == 64, "\(redirected.stdout)\(redirected.stderr)")
            #expect((redirected.stdout + redirected.stderr).contains("redirect"), "\(redirected.stdout)\(redirected.stderr)")
            // The intent of the chunk it tried is committed (it stays in doubt for a look-up); no outcome is.
            let after = try SQLiteStateStore(path: state, readOnly: true).counts(jobID: 1)
            for status in [RecipientStatus.sent, .rejected, .pending] {
                #expect(after.recipients(status) == before.recipients(status), "nothing was marked \(status): \(before) → \(after)")
            }
            #expect(await server.ledger().requests.count == ledgerBefore.requests.count, "nothing was sent")
            #expect(await elsewhere.ledger().requests.isEmpty, "the redirect was not followed")

            await server.reconfigure { $0.fidelity.redirectTo = nil }
            var status: Int32 = -1
            for _ in 0..<20 where status != 0 {
                let result = try await runBinary(arguments, environment: Self.env)
                status = result.status
                #expect(status == 0 || status == 75, "\(result.stdout)\(result.stderr)")
            }
            #expect(status == 0)
            let counts = await server.ledger().acceptedCountByNumber
            await server.stop()
            await elsewhere.stop()
            #expect(Set(counts.keys) == expected && counts.values.allSatisfy { $0 == 1 }, "\(counts.filter { $0.value != 1 })")
        }

        /// The API appends an opt-out footer to every single message, and every reply is lost: each look-up
        /// finds the number with "another" text. Resending could text everyone twice and calling it sent
        /// could lose someone, so each stays in doubt, nothing is resent however often cron runs, and the
        /// job finishes only as a person resolves each row (one as absent: sent once more, as decided).
        @Test func anAlteredTextIsNeitherResentNorCalledSentUntilAPersonResolvesIt() async throws {
            var configuration = SimulatorConfiguration.unlimited
            configuration.ignoreIdempotencyKeys = true
            configuration.fidelity.messageFooter = " Reply STOP to opt out"
            configuration.faults.lostReplyRate = 1
            let server = try await ZiettSimulatorServer.start(configuration: configuration)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 5, in: dir, seed: 42)
            let state = dir + "/s.sqlite"
            let arguments = [
                "run", csv, "--sender", JobFileTests.sender, "--message", "Hi {{name}}", "--country", "AO", "--state", state,
                "--base-url", server.baseURL, "--max-rate", "100/s", "--read-rate", "100/s", "--request-timeout", "1", "--settle", "0.2",
            ]
            let first = try await runBinary(arguments, environment: Self.env)
            #expect(first.status == 75, "\(first.stdout)\(first.stderr)")
            await server.reconfigure { $0.faults.lostReplyRate = 0 }
            let again = try await runBinary(arguments, environment: Self.env)
            #expect(again.status == 75, "\(again.stdout)\(again.stderr)")
            #expect((again.stdout + again.stderr).contains("wait for a person"), "\(again.stdout)\(again.stderr)")
            #expect(await server.ledger().messages.count == expected.count, "nothing resent")

            var undecided: [Int] = []
            try SQLiteStateStore(path: state, readOnly: true).forEachRecipient(jobID: 1) { record in
                if record.status == .pending, record.e164 != nil { undecided.append(record.row) }
            }
            #expect(undecided.count == expected.count)
            let status = try await runBinary(["status", "--state", state])
            #expect(status.stdout.contains("AMBIGUOUS_MATCH"), "\(status.stdout)")
            for (index, row) in undecided.enumerated() {
                let decision = index == 0 ? "absent" : "sent"
                let resolved = try await runBinary(["resolve", "--state", state, "--row", "\(row)", "--as", decision])
                #expect(resolved.status == 0, "\(resolved.stdout)\(resolved.stderr)")
            }
            let notInDoubt = try await runBinary(["resolve", "--state", state, "--row", "\(undecided[1])", "--as", "sent"])
            #expect(notInDoubt.status == 64, "\(notInDoubt.stdout)\(notInDoubt.stderr)")
            let last = try await runBinary(arguments, environment: Self.env)
            #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
            let counts = await server.ledger().acceptedCountByNumber
            await server.stop()
            #expect(Set(counts.keys) == expected)
            #expect(counts.values.sorted() == [1, 1, 1, 1, 2], "the row resolved absent was sent once more: \(counts)")
        }

        /// Rule 8's window: a single message is looked for from its own first attempt (less the 5-minute
        /// clock-skew margin), not from the job's creation. The job is created 1,000 s ago (dry run, clock
        /// shifted); another campaign texts the same number 400 s ago; then every send "succeeds" with a
        /// proxy page that did nothing. From the job's creation the look-up would find the other text and
        /// call it ambiguous for good; from the attempt it proves ours absent, and the message is sent.
        @Test func aSingleMessageIsLookedForFromItsAttemptNotFromTheJobsCreation() async throws {
            var configuration = SimulatorConfiguration.unlimited
            configuration.ignoreIdempotencyKeys = true
            let server = try await ZiettSimulatorServer.start(configuration: configuration)
            let dir = temporaryDirectory()
            let number = "+244923111222"
            try "phone,name\n\(number),Ana\n".write(toFile: dir + "/one.csv", atomically: true, encoding: .utf8)
            let arguments = [
                "run", dir + "/one.csv", "--sender", JobFileTests.sender, "--message", "Hi {{name}}", "--country", "AO",
                "--state", dir + "/s.sqlite", "--base-url", server.baseURL, "--max-rate", "100/s", "--read-rate", "100/s",
                "--request-timeout", "1", "--settle", "0.2", "--max-attempts", "2", "--backoff-base", "0.005", "--backoff-cap", "0.02",
            ]
            let created = try await runBinary(arguments + ["--dry-run"], environment: ["ZIETT_BATCH_CLOCK_OFFSET": "-1000"])
            #expect(created.status == 0, "\(created.stdout)\(created.stderr)")

            await server.reconfigure { $0.clockOffset = -400 }
            let other = try await runBinary(
                ["run", dir + "/one.csv", "--sender", JobFileTests.sender, "--message", "Another campaign", "--country", "AO",
                 "--state", dir + "/other.sqlite", "--base-url", server.baseURL, "--resend-window", "0"], environment: Self.env)
            #expect(other.status == 0, "\(other.stdout)\(other.stderr)")

            await server.reconfigure {
                $0.clockOffset = 0
                $0.faults.phantomAcceptRate = 1
            }
            let phantom = try await runBinary(arguments, environment: Self.env)
            #expect(phantom.status == 75, "\(phantom.stdout)\(phantom.stderr)")
            #expect(await server.ledger().responses["POST /messages 200"] ?? 0 >= 1, "the proxy page happened")
            await server.reconfigure { $0.faults.phantomAcceptRate = 0 }
            let last = try await runBinary(arguments, environment: Self.env)
            #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
            let texts = await server.ledger().messages.filter { $0.e164 == number }.map(\.content).sorted()
            await server.stop()
            #expect(texts == ["Another campaign", "Hi Ana"])
        }
    }
}

extension EndToEnd.KillResumeTests {
    /// The API's clock is two minutes behind ours: it stamps our single message earlier than the attempt
    /// began by our clock. The look-up's window starts at the attempt's start less the clock-skew margin
    /// (300 s), so a lost reply is still found, never resent (with a 1 s margin this sent 41 messages for
    /// 30). Batches are found by name, whatever the clocks say.
    @Test(arguments: [true, false])
    func exactlyOnceHoldsWithAnAPIClockBehindOurs(personalised: Bool) async throws {
        var faults = FaultConfiguration()
        faults.lostReplyRate = 0.25
        faults.latency = 0.01
        try await torture(
            ignoreIdempotencyKeys: true, faults: faults, kills: 6, name: "kill+clock-skew\(personalised ? "+singles" : "")",
            personalised: personalised, recipients: personalised ? 30 : 70
        ) {
            $0.clockOffset = -120
        }
    }
}
