import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// The CLI contract, through the real binary.
    @Suite("Command line")
    struct CommandLineTests {
        @Test func demoRunsTheBuiltInSampleFromAnEmptyDirectory() async throws {
            // As an installed binary is used: from a directory with nothing around it.
            let empty = temporaryDirectory()
            let dir = temporaryDirectory()
            let result = try await runBinary(["demo", "--directory", dir, "--quiet"], directory: empty)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("job complete"))
            let sample = try String(contentsOfFile: Binary.repositoryRoot + "/samples/recipients.csv", encoding: .utf8)
            let sent = try String(contentsOfFile: dir + "/recipients.csv", encoding: .utf8)
            #expect(sent == sample, "the sample built into the binary is samples/recipients.csv (scripts/gen-demo-sample)")
            let report = try String(contentsOfFile: dir + "/demo-report.csv", encoding: .utf8)
            #expect(report.split(separator: "\n").count == sample.split(separator: "\n").count, "one report line per data row, plus the header")
            #expect(try FileManager.default.contentsOfDirectory(atPath: empty).isEmpty, "the demo writes nothing where it runs")
        }

        @Test func demoSendsAnotherFileWithCSV() async throws {
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 12, in: dir, seed: 5)
            let result = try await runBinary(["demo", "--csv", csv, "--directory", dir + "/demo", "--quiet"], directory: temporaryDirectory())
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("accepted \(expected.count) recipient(s)") || result.stdout.contains("sent \(expected.count)"),
                    "\(result.stdout)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/demo/recipients.csv"), "the sample is written only when it is sent")
            let missing = try await runBinary(["demo", "--csv", dir + "/nope.csv", "--directory", dir + "/demo2"])
            #expect(missing.status == 66)
            #expect(missing.stdout.isEmpty && missing.stderr.contains("nope.csv"), "\(missing.stdout)|\(missing.stderr)")
        }

        @Test func plainHTTPToAHostOtherThanLoopbackIsRefusedBeforeAnyRequest() async throws {
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 5, in: dir, seed: 1)
            // 192.0.2.1 is TEST-NET-1: nothing is contacted, the run stops before it makes a client.
            let result = try await runBinary(
                ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", dir + "/s.sqlite",
                 "--base-url", "http://192.0.2.1/c/v1"],
                environment: ["ZIETT_API_KEY": "zk_test_insecure"])
            #expect(result.status == 64)
            #expect((result.stdout + result.stderr).contains("--allow-insecure-http"))
            #expect((result.stdout + result.stderr).contains("nothing was sent"))
        }

        @Test func runWithoutAPIKeyIsAUsageError() async throws {
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 5, in: dir, seed: 1)
            let result = try await runBinary(
                ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", dir + "/s.sqlite"],
                environment: ["ZIETT_API_KEY": ""])
            #expect(result.status == 64)
            #expect(result.stderr.contains("ZIETT_API_KEY"))
        }

        /// A run without the key stops before it creates the job: the corrected command (here also with
        /// another --country) is a first run, not "a job with other settings".
        @Test func aRunWithoutTheKeyCreatesNoJob() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 5, in: dir, seed: 61)
            let base = ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--state", dir + "/s.sqlite",
                        "--base-url", server.baseURL]
            let keyless = try await runBinary(base + ["--country", "PT"], environment: ["ZIETT_API_KEY": ""])
            #expect(keyless.status == 64 && keyless.stderr.contains("ZIETT_API_KEY is not set"), "\(keyless.stdout)\(keyless.stderr)")
            let corrected = try await runBinary(base + ["--country", "AO"], environment: ["ZIETT_API_KEY": "zk_test_keyless"])
            await server.stop()
            #expect(corrected.status == 0, "\(corrected.stdout)\(corrected.stderr)")
        }

        @Test func missingInputExitsWithNoInput() async throws {
            let dir = temporaryDirectory()
            let result = try await runBinary(
                ["run", dir + "/nope.csv", "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--state", dir + "/s.sqlite"])
            #expect(result.status == 66)
            #expect(result.stderr.contains("nope.csv"))
        }

        @Test func eachUnusableInputGetsOneClearErrorAndItsExitCode() async throws {
            let dir = temporaryDirectory()
            try "".write(toFile: dir + "/empty.csv", atomically: true, encoding: .utf8)
            try "phone,name\n".write(toFile: dir + "/header-only.csv", atomically: true, encoding: .utf8)
            try Data([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/book.csv"))
            try FileManager.default.createDirectory(atPath: dir + "/folder.csv", withIntermediateDirectories: true)
            let cases: [(String, Int32)] = [("empty.csv", 65), ("header-only.csv", 65), ("book.csv", 65), ("folder.csv", 66), ("missing.csv", 66)]
            for (name, code) in cases {
                let validate = try await runBinary(["validate", dir + "/" + name, "--country", "AO"])
                #expect(validate.status == code, "validate \(name): \(validate.stderr)")
                #expect(validate.stderr.contains(name), "the error names the file: \(validate.stderr)")
                let run = try await runBinary(["run", dir + "/" + name, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi",
                                               "--country", "AO", "--state", dir + "/s-\(name).sqlite", "--dry-run"])
                #expect(run.status == code, "run \(name): \(run.stdout)\(run.stderr)")
                #expect(run.stderr.contains(name), "the error names the file, on standard error: \(run.stderr)")
            }
        }

        @Test func anErrorNoCommandHandledExitsWithItsExitStatusNotOne() async throws {
            // A port already taken: the simulator cannot listen, a configuration problem (64), said once.
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let port = try #require(URL(string: server.baseURL)?.port)
            let child = try Child(["sim", "--port", "\(port)"])
            try await child.waitForExit(atMost: 30)
            child.sendSIGKILL()
            let result = try await child.finish()
            await server.stop()
            #expect(!result.killed, "sim kept running on a taken port")
            #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("could not listen on 127.0.0.1:\(port)"), "\(result.stderr)")
        }

        @Test func stateFileIsCreatedOwnerOnly() async throws {
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 5, in: dir, seed: 2)
            let state = dir + "/s.sqlite"
            let result = try await runBinary(["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", state, "--dry-run"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }

        @Test func authenticationFailureStopsWithItsOwnCodeAndKeepsRecipientsPending() async throws {
            var config = SimulatorConfiguration.unlimited
            config.apiKeys = ["zk_test_right"]
            let server = try await ZiettSimulatorServer.start(configuration: config)
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 20, in: dir, seed: 3)
            let state = dir + "/s.sqlite"
            let args = ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", state, "--base-url", server.baseURL, "--max-rate", "100/s"]
            let wrong = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_wrong_secret_value"])
            #expect(wrong.status == 77)
            #expect(!(wrong.stdout + wrong.stderr).contains("zk_test_wrong_secret_value"), "the key must never be printed")
            let right = try await runBinary(args, environment: ["ZIETT_API_KEY": "zk_test_right"])
            #expect(right.status == 0, "\(right.stdout)\(right.stderr)")
            await server.stop()
        }

        @Test func concurrentRunOnTheSameStateExitsAtOnce() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 60, in: dir, seed: 4)
            let args = ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", dir + "/s.sqlite",
                        "--base-url", server.baseURL, "--chunk-size", "2"]
            let env = ["ZIETT_API_KEY": "zk_test_x"]
            // At 1 request a minute the first run sends one request, then waits for the next slot, holding the
            // job's lock: ready once the simulator has its first request (it takes the lock before sending).
            let first = try Child(args + ["--max-rate", "1/min"], environment: env)
            try await waitUntil("the first run's first request") {
                if !first.isRunning { return true }
                return await !server.ledger().campaigns.isEmpty
            }
            try #require(first.isRunning, "the first run ended early: \(first.stdoutSoFar)\(first.stderrSoFar)")
            // The lock follows the file: a second run by the same path or a symlink, and a `retry` by a
            // symlink, each exit 75 at once and change nothing.
            let symlink = dir + "/via-symlink.sqlite"
            try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: dir + "/s.sqlite")
            for path in [dir + "/s.sqlite", symlink] {
                let started = Date()
                var second = args + ["--max-rate", "100/s"]
                second[second.firstIndex(of: dir + "/s.sqlite")!] = path
                let result = try await runBinary(second, environment: env)
                #expect(result.status == 75, "\(path): \(result.stdout)\(result.stderr)")
                #expect(Date().timeIntervalSince(started) < 5)
                #expect((result.stdout + result.stderr).contains("in use by another ziett-batch process"), "\(result.stdout)\(result.stderr)")
            }
            let retry = try await runBinary(["retry", "--rejected", "--state", symlink], environment: env)
            #expect(retry.status == 75, "\(retry.stdout)\(retry.stderr)")
            // A hard link is a second name, so a second WAL: refused (64), whether the file is in use or not.
            try FileManager.default.linkItem(atPath: dir + "/s.sqlite", toPath: dir + "/via-hard-link.sqlite")
            let linked = try await runBinary(["status", "--state", dir + "/via-hard-link.sqlite"], environment: env)
            #expect(linked.status == 64 && linked.stderr.contains("hard links"), "\(linked.stdout)\(linked.stderr)")
            try FileManager.default.removeItem(atPath: dir + "/via-hard-link.sqlite")
            #expect(first.isRunning, "the first run held the lock for the whole of the others")
            #expect(await server.ledger().campaigns.count == 1, "the others sent nothing")
            first.terminate()
            let firstResult = try await first.finish()
            #expect(firstResult.status == 75, "stopped resumably: \(firstResult.stdout)\(firstResult.stderr)")
            // With the lock free, the next run finishes the job, each recipient once.
            let last = try await runBinary(args + ["--max-rate", "100/s"], environment: env)
            #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
            let counts = await server.ledger().acceptedCountByNumber
            #expect(Set(counts.keys) == expected && counts.values.allSatisfy { $0 == 1 })
            await server.stop()
        }
    }
}
