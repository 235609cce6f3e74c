import Checkpoint
import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// Exactly-once rule 11: campaign outcomes read back, and single messages tracked page by page.
    @Suite("Track outcomes")
    struct TrackOutcomeTests {
        static let env = ["ZIETT_API_KEY": "zk_test_track_outcomes"]

        /// Delivery status and error of every sent recipient, by number.
        func deliveries(_ state: String) throws -> [String: RecipientDelivery] {
            let store = try SQLiteStateStore(path: state, readOnly: true)
            var byNumber: [String: RecipientDelivery] = [:]
            try store.forEachRecipientWithDelivery(jobID: 1) { record, delivery in
                if record.status == .sent, let e164 = record.e164 { byNumber[e164] = delivery }
            }
            return byNumber
        }

        @Test func recipientsOfAFailedCampaignAreReportedNotDeliveredWithTheReason() async throws {
            // The funds check runs after the 202: the second batch (10 recipients) finds 5 left and ends
            // FAILED without messages; the third (5) is paid for.
            var configuration = SimulatorConfiguration.instantUnlimited
            configuration.balance = 15
            configuration.fidelity.batchFundsCheck = .background
            let server = try await ZiettSimulatorServer.start(configuration: configuration)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 25, in: dir, seed: 31)
            let state = dir + "/s.sqlite"
            let run = try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", "Hi", "--country", "AO", "--state", state,
                 "--base-url", server.baseURL, "--chunk-size", "10", "--max-rate", "100/s"], environment: Self.env)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let ledger = await server.ledger()
            let failed = try #require(ledger.campaigns.first { $0.status == "FAILED" }, "the fault happened")
            let track = try await runBinary(["track", "--state", state, "--base-url", server.baseURL, "--read-rate", "100/s"], environment: Self.env)
            await server.stop()
            #expect(track.status == 0, "\(track.stdout)\(track.stderr)")
            let byNumber = try deliveries(state)
            #expect(Set(byNumber.keys) == expected)
            // Expected from the simulator's own record of the failed batch, not from what track wrote.
            let inFailed = Set(failed.recipients.map { $0.hasPrefix("+") ? $0 : "+" + $0 })
            #expect(inFailed.count == 10)
            for (number, delivery) in byNumber {
                if inFailed.contains(number) {
                    #expect(delivery.status == "FAILED" && delivery.error == "BILLING_INSUFFICIENT_FUNDS", "\(number): \(delivery)")
                } else {
                    #expect(delivery.status != nil && delivery.error != "BILLING_INSUFFICIENT_FUNDS", "\(number): \(delivery)")
                }
            }
            #expect(track.stdout.contains("not tracked") == false, "none left looking sent: \(track.stdout)")
        }

        @Test func singleMessagesAreTrackedPageByPageAndAStoppedPassResumes() async throws {
            // 450 personalised messages: three pages of 200. The first pass may read one page a minute, so
            // it is killed once the first page is recorded; the next pass starts from the first message not
            // final yet instead of from the job's start.
            let server = try await ZiettSimulatorServer.start(configuration: .instantUnlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 450, in: dir, seed: 32)
            let state = dir + "/s.sqlite"
            let run = try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", "Hi {{name}}", "--country", "AO", "--state", state,
                 "--base-url", server.baseURL, "--max-rate", "50/s"], environment: Self.env)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            // No clock-skew margin here (the simulator shares our clock), so the start is exactly the earliest
            // open message's send, to the second: 50 sends a second keep the page count exact.
            let slow = try Child(
                ["track", "--state", state, "--base-url", server.baseURL, "--read-rate", "1/min", "--clock-skew-margin", "0"],
                environment: Self.env)
            try await waitUntil("the first page recorded") {
                if !slow.isRunning { return true }
                return (try? self.deliveries(state).values.filter { $0.status != nil }.count) ?? 0 >= 200
            }
            #expect(slow.isRunning, "killed mid-scan: \(slow.stdoutSoFar)\(slow.stderrSoFar)")
            slow.sendSIGKILL()
            _ = try await slow.finish()
            let afterKill = try deliveries(state).values.filter { $0.status != nil }.count
            #expect(afterKill >= 200 && afterKill < expected.count, "\(afterKill)")

            let resumed = try await runBinary(
                ["track", "--state", state, "--base-url", server.baseURL, "--read-rate", "100/s", "--clock-skew-margin", "0"],
                environment: Self.env)
            await server.stop()
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            // 250 messages left, plus those sent in the same second as the first of them: at most 2 pages,
            // where a pass from the job's start reads 3.
            #expect(resumed.stdout.contains("in 2 page(s)") || resumed.stdout.contains("in 1 page(s)"), "resumed past the recorded page: \(resumed.stdout)")
            let byNumber = try deliveries(state)
            #expect(Set(byNumber.keys) == expected && byNumber.values.allSatisfy { $0.status != nil })
        }
    }
}
