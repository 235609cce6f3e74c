import Checkpoint
import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// What cron sees of a run, and what `track` will ask again.
    @Suite("Progress and tracking")
    struct ProgressAndTrackingTests {
        func runJob(_ extra: [String], seed: UInt64) async throws -> ProcessResult {
            let server = try await ZiettSimulatorServer.start(configuration: .instantUnlimited)
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 12, in: dir, seed: seed)
            let result = try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", "Hi", "--country", "AO", "--state", dir + "/s.sqlite",
                 "--base-url", server.baseURL, "--chunk-size", "2", "--max-rate", "100/s", "--progress-interval", "0"] + extra,
                environment: ["ZIETT_API_KEY": "zk_test_progress"])
            await server.stop()
            return result
        }

        @Test func offATerminalProgressIsLogLinesWithoutControlCharacters() async throws {
            let result = try await runJob([], seed: 21)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let progress = result.stderr.split(separator: "\n").filter { $0.contains(" info progress ") }
            #expect(progress.count >= 2, "\(result.stderr)")
            #expect(progress.last?.contains("recipients.accepted=12 recipients.total=12") == true, "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("\u{1B}"), "no escape sequences off a terminal")
            #expect(!(result.stdout + result.stderr).contains("\r"), "no carriage returns off a terminal")
            #expect(result.stdout.contains("job complete"))
        }

        @Test func jsonLogFormatWritesOneObjectPerLine() async throws {
            let result = try await runJob(["--log-format", "json"], seed: 22)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["level"] != nil && object?["message"] != nil, "\(line)")
            }
            #expect(lines.contains { $0.contains("\"message\":\"progress\"") && $0.contains("\"recipients.accepted\"") })
        }

        @Test func quietPrintsOnlyTheSummaryAndNothingOnceComplete() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .instantUnlimited)
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 6, in: dir, seed: 23)
            let args = ["run", csv, "--sender", JobFileTests.sender, "--message", "Hi", "--country", "AO", "--state", dir + "/s.sqlite",
                        "--base-url", server.baseURL, "--max-rate", "100/s", "--quiet"]
            let first = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_quiet"])
            #expect(first.status == 0)
            #expect(first.stderr.isEmpty, "\(first.stderr)")
            #expect(first.stdout.contains("job complete"))
            let again = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_quiet"])
            await server.stop()
            #expect(again.status == 0)
            #expect(again.stdout.isEmpty && again.stderr.isEmpty, "a cron tick that changed nothing mails nothing: \(again.stdout)")
        }

        @Test func trackTargetsSkipRequestsWhoseRecipientsAreAllFinal() throws {
            let state = temporaryDirectory() + "/march.sqlite"
            try FixedState.build(at: state)
            let store = try SQLiteStateStore(path: state)
            let before = try store.trackTargets(jobID: 1)
            #expect(before.count == 1)
            #expect(before.first?.campaignID == FixedState.campaign)
            #expect(before.first?.recipients == 4)
            #expect(before.first?.open == 1, "DELIVERED and FAILED are final, PENDING is not")
            let changed = try store.recordDelivery(jobID: 1, campaignID: FixedState.campaign, updates: [
                DeliveryUpdate(e164: 244_934_567_890, messageID: "m4", status: "UNDELIVERED", errorCode: "EXPIRED", cost: "15.000000"),
                DeliveryUpdate(e164: 244_999_999_999, messageID: "m9", status: "DELIVERED", errorCode: nil, cost: nil),
            ])
            #expect(changed == 1, "a message matching no recipient of the campaign changes nothing")
            #expect(try store.trackTargets(jobID: 1).first?.open == 0)
            let delivery = try store.deliveryCounts(jobID: 1)
            #expect(delivery.byStatus == ["DELIVERED": 2, "FAILED": 1, "UNDELIVERED": 1])
            #expect(delivery.totalCost == 45)
            #expect(delivery.costed == 4)
        }
    }
}
