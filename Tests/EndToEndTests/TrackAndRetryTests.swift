import Checkpoint
import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// `track` against the in-process simulator, and `retry`'s lock.
    @Suite("Track and retry")
    struct TrackAndRetryTests {
        @Test func trackRecordsWhatTheSimulatorAcceptedForEveryRecipient() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .instantUnlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 25, in: dir, seed: 11)
            let state = dir + "/s.sqlite"
            let env = ["ZIETT_API_KEY": "zk_test_track"]
            let run = try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", "Hi", "--country", "AO", "--state", state,
                 "--base-url", server.baseURL, "--chunk-size", "10", "--max-rate", "100/s"], environment: env)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let track = try await runBinary(["track", "--state", state, "--base-url", server.baseURL, "--read-rate", "100/s"], environment: env)
            #expect(track.status == 0, "\(track.stdout)\(track.stderr)")
            #expect(track.stdout.contains("looked up 3 request(s)"), "\(track.stdout)")

            let ledger = await server.ledger()
            await server.stop()
            let byNumber = Dictionary(ledger.messages.map { ($0.e164, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(Set(byNumber.keys) == expected)

            let report = try await runBinary(["report", "--state", state])
            let lines = report.stdout.split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(header.suffix(3) == ["delivery_status", "delivery_error", "cost"])
            var sent = 0
            for line in lines.dropFirst() {
                let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard cells[4] == "sent" else {
                    #expect(cells[10].isEmpty, "only sent rows get a delivery status: \(line)")
                    continue
                }
                sent += 1
                let message = try #require(byNumber[cells[3]], "sent row not in the ledger: \(line)")
                #expect(cells[6] == message.campaignID)
                #expect(cells[7] == message.id, "message id recorded by track")
                #expect(cells[10] == message.status, "delivery status as the simulator says")
                #expect(cells[11] == (message.errorCode ?? ""))
            }
            #expect(sent == expected.count)

            // A second pass asks again only for what is not final.
            let status = try await runBinary(["status", "--state", state, "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let job = try #require((object["jobs"] as? [[String: Any]])?.first)
            let delivery = try #require(job["delivery"] as? [String: Int])
            #expect(delivery.values.reduce(0, +) == expected.count)
            #expect(delivery["unknown"] == nil, "every sent recipient was matched")
        }

        @Test(arguments: [3, 12])
        func trackFindsSingleMessagesOneByOneOrByOneScan(count: Int) async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .instantUnlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: count, in: dir, seed: UInt64(30 + count))
            let state = dir + "/s.sqlite"
            let env = ["ZIETT_API_KEY": "zk_test_track"]
            let run = try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", "Olá {{name}}", "--country", "AO", "--state", state,
                 "--base-url", server.baseURL, "--max-rate", "100/s"], environment: env)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let track = try await runBinary(["track", "--state", state, "--base-url", server.baseURL, "--read-rate", "100/s"], environment: env)
            #expect(track.status == 0, "\(track.stdout)\(track.stderr)")
            #expect(track.stdout.contains("looked up \(count) request(s)"), "\(track.stdout)")
            #expect(track.stdout.contains("\(count) recipient(s) updated"), "\(track.stdout)")
            let pages = count > 3 ? 1 : count  // one scan of 200 per page, or one look-up per message
            #expect(track.stdout.contains("in \(pages) page(s)"), "\(track.stdout)")
            let ledger = await server.ledger()
            await server.stop()
            #expect(Set(ledger.messages.map(\.e164)) == expected)
            let store = try SQLiteStateStore(path: state, readOnly: true)
            let delivery = try store.deliveryCounts(jobID: 1)
            #expect(delivery.byStatus["unknown"] == nil, "\(delivery.byStatus)")
            #expect(delivery.byStatus.values.reduce(0, +) == count)
        }

        @Test func trackHonoursTheReadLimitAndRetriesFailedReads() async throws {
            // Sends are unlimited; reads are held to 2 per second and 30 % of them fail with a 503.
            var config = SimulatorConfiguration.instantUnlimited
            config.apiKeys = ["zk_test_right"]
            config.readLimit = .init(count: 2, window: 1)
            config.faults.readErrorRate = 0.3
            config.seed = 41
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 10, in: dir, seed: 41)
            let state = dir + "/s.sqlite"
            let right = ["ZIETT_API_KEY": "zk_test_right"]
            let run = try await runBinary(
                ["run", csv, "--sender", JobFileTests.sender, "--message", "Hi", "--country", "AO", "--state", state,
                 "--base-url", server.baseURL, "--chunk-size", "2", "--max-rate", "100/s"], environment: right)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

            let wrongKey = try await runBinary(["track", "--state", state, "--base-url", server.baseURL], environment: ["ZIETT_API_KEY": "zk_test_wrong"])
            #expect(wrongKey.status == 77, "\(wrongKey.stdout)\(wrongKey.stderr)")
            #expect(!(wrongKey.stdout + wrongKey.stderr).contains("zk_test_wrong"), "the key is never printed")

            // --read-rate above the server's limit: the 429s' Retry-After and the 503s must be waited out.
            let track = try await runBinary(
                ["track", "--state", state, "--base-url", server.baseURL, "--read-rate", "100/s", "--max-attempts", "20"], environment: right)
            #expect(track.status == 0, "\(track.stdout)\(track.stderr)")
            await server.stop()
            let delivery = try SQLiteStateStore(path: state, readOnly: true).deliveryCounts(jobID: 1)
            #expect(delivery.byStatus.values.reduce(0, +) == expected.count)
            #expect(delivery.byStatus["unknown"] == nil, "\(delivery.byStatus)")
        }

        @Test func retryTakesTheJobLockAndRequeuesOnlyRejected() async throws {
            let dir = temporaryDirectory()
            let state = dir + "/march.sqlite"
            try FixedState.build(at: state)
            // Hold the lock as a running `run` would, through a symlink: the lock follows the file.
            let symlink = dir + "/elsewhere.sqlite"
            try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: state)
            do {
                let holder = try SQLiteStateStore(path: symlink)
                let locked = try await runBinary(["retry", "--rejected", "--state", state])
                #expect(locked.status == 75, "\(locked.stdout)\(locked.stderr)")
                #expect(locked.stderr.contains("in use by another ziett-batch process"))
                let untouched = try SQLiteStateStore(path: state, readOnly: true)
                #expect(try untouched.counts(jobID: 1).recipients(.rejected) == 2)
                withExtendedLifetime(holder) {}
            }

            let free = try await runBinary(["retry", "--rejected", "--state", state])
            #expect(free.status == 0, "\(free.stdout)\(free.stderr)")
            #expect(free.stdout.contains("2 rejected recipient(s) re-queued"))
            let store = try SQLiteStateStore(path: state, readOnly: true)
            let counts = try store.counts(jobID: 1)
            #expect(counts.recipients(.rejected) == 0)
            #expect(counts.recipients(.sent) == 4, "sent rows are never touched")
            #expect(counts.recipients(.pending) == 4)
        }
    }
}
