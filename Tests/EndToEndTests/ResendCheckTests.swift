import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// Exactly-once rule 7: the API remembers the campaign. A new job whose campaign (CSV content, sender,
    /// message) the API shows from another job within the window refuses to send unless --allow-resend.
    @Suite("Resend check")
    struct ResendCheckTests {
        static let env = ["ZIETT_API_KEY": "zk_test_resend"]

        func run(_ csv: String, state: String, message: String, server: ZiettSimulatorServer, _ extra: [String] = []) async throws -> ProcessResult {
            try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", message, "--country", "AO", "--state", state,
                 "--base-url", server.baseURL, "--chunk-size", "10", "--max-rate", "100/s"] + extra, environment: Self.env)
        }

        @Test func aCampaignSentFromALostStateFileIsRefusedUntilAllowed() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 25, in: dir, seed: 21)
            let first = try await run(csv, state: dir + "/first.sqlite", message: "Sale today", server: server)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            let sent = await server.ledger()
            #expect(Set(sent.acceptedCountByNumber.keys) == expected && sent.acceptedCountByNumber.values.allSatisfy { $0 == 1 })

            // The state file is lost (another HOME, sudo, a deleted file): a new job of the same campaign.
            let again = try await run(csv, state: dir + "/second.sqlite", message: "Sale today", server: server)
            #expect(again.status == 64, "\(again.stdout)\(again.stderr)")
            let output = again.stdout + again.stderr
            #expect(output.contains("already has this campaign"), "\(output)")
            let firstBatch = try #require(sent.campaigns.first?.name)
            #expect(output.contains(firstBatch), "names the batches found: \(output)")
            let refused = await server.ledger()
            #expect(refused.campaigns.count == sent.campaigns.count && refused.messages.count == sent.messages.count, "nothing was sent")

            // Another text is another campaign: not blocked.
            let other = try await run(csv, state: dir + "/third.sqlite", message: "Sale tomorrow", server: server)
            #expect(other.status == 0, "\(other.stdout)\(other.stderr)")

            // On purpose: --allow-resend sends the second job, each number once more; its resume is not re-checked.
            let allowed = try await run(csv, state: dir + "/second.sqlite", message: "Sale today", server: server, ["--allow-resend"])
            #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
            let resumed = try await run(csv, state: dir + "/second.sqlite", message: "Sale today", server: server)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            let after = await server.ledger()
            await server.stop()
            #expect(after.acceptedCountByNumber.values.allSatisfy { $0 == 3 }, "first, another text, and the allowed resend")
        }

        @Test func lastMonthsCampaignDoesNotBlockThisMonths() async throws {
            // The API's clock says the first campaign was sent 8 days ago: outside the default 7-day window.
            var configuration = SimulatorConfiguration.unlimited
            configuration.clockOffset = -8 * 86_400
            let server = try await ZiettSimulatorServer.start(configuration: configuration)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 12, in: dir, seed: 22)
            let first = try await run(csv, state: dir + "/october.sqlite", message: "Monthly news", server: server)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            await server.reconfigure { $0.clockOffset = 0 }
            let next = try await run(csv, state: dir + "/november.sqlite", message: "Monthly news", server: server)
            #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
            // A window of 9 days does see it.
            let wide = try await run(csv, state: dir + "/wide.sqlite", message: "Monthly news", server: server, ["--resend-window", "9"])
            #expect(wide.status == 64, "\(wide.stdout)\(wide.stderr)")
            let counts = await server.ledger().acceptedCountByNumber
            await server.stop()
            #expect(Set(counts.keys) == expected && counts.values.allSatisfy { $0 == 2 })
        }

        @Test func personalisedSingleMessagesAreRecognisedByWhatTheySend() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 6, in: dir, seed: 23)
            let first = try await run(csv, state: dir + "/a.sqlite", message: "Hi {{name}}", server: server)
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            let again = try await run(csv, state: dir + "/b.sqlite", message: "Hi {{name}}", server: server)
            #expect(again.status == 64, "\(again.stdout)\(again.stderr)")
            #expect((again.stdout + again.stderr).contains("message to +244"), "\(again.stdout)\(again.stderr)")
            let counts = await server.ledger().acceptedCountByNumber
            await server.stop()
            #expect(Set(counts.keys) == expected && counts.values.allSatisfy { $0 == 1 })
        }
    }
}
