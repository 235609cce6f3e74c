import Checkpoint
import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// `validate` and `run --dry-run` through the real binary.
    @Suite("Ingest")
    struct IngestTests {
        @Test func validateWritesOneJSONObjectPerDataRowAndASummary() async throws {
            let dir = temporaryDirectory()
            let csv = dir + "/in.csv"
            try "\u{FEFF}Telefone;Nome\r\n923 456 789;Ana\r\n+244923456789;Ana again\r\n4.47E+11;Excel\r\n\"12\";Short\r\n".write(toFile: csv, atomically: true, encoding: .utf8)
            let result = try await runBinary(["validate", csv, "--country", "AO", "--report", dir + "/r.jsonl"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("4 row(s): 1 valid, 2 invalid, 1 duplicate, 0 suppressed"))
            let lines = try String(contentsOfFile: dir + "/r.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4)
            let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(objects[0]["e164"] as? String == "+244923456789")
            #expect(objects[0]["status"] as? String == "valid")
            #expect((objects[0]["fields"] as? [String: String])?["Nome"] == "Ana")
            #expect(objects[1]["status"] as? String == "duplicate")
            #expect((objects[1]["reason"] as? String)?.contains("row 1") == true)
            #expect(objects[2]["status"] as? String == "invalid")
            #expect(objects[2]["e164"] is NSNull)
            #expect((objects[2]["reason"] as? String)?.lowercased().contains("spreadsheet") == true)
        }

        @Test(arguments: [
            ("samples/excel-export-semicolon.csv", "5 row(s): 4 valid, 1 invalid, 0 duplicate, 0 suppressed"),
            // The British number (+44 20 …) is a landline: invalid by the default number types (issue 13).
            ("samples/multi-country.csv", "6 row(s): 4 valid, 2 invalid, 0 duplicate, 0 suppressed"),
            ("samples/recipients.csv", "51 row(s): 44 valid, 5 invalid, 2 duplicate, 0 suppressed"),
        ])
        func theCommittedSamplesValidateAsDocumented(file: String, summary: String) async throws {
            let result = try await runBinary(["validate", file, "--country", "AO"], directory: Binary.repositoryRoot)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains(summary), "\(result.stdout)")
        }

        @Test func dryRunPlansWithoutAnAPIKeyAndSendsNothing() async throws {
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 250, in: dir, seed: 21)
            let result = try await runBinary(
                ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Olá {{name}}!", "--country", "AO", "--state", dir + "/s.sqlite", "--dry-run"],
                environment: ["ZIETT_API_KEY": ""])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("plan: \(expected.count) recipient(s) to send in \(expected.count) request(s) to POST /messages"))
            #expect(result.stdout.contains("UCS-2"))
            #expect(result.stdout.contains("dry run: nothing was sent"))
        }

        @Test func templateNamingAMissingColumnFailsBeforeAnythingIsStored() async throws {
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 5, in: dir, seed: 22)
            let result = try await runBinary(["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi {{surname}}", "--country", "AO", "--state", dir + "/s.sqlite", "--dry-run"])
            #expect(result.status == 65)
            #expect(result.stderr.contains("surname"))
        }

        @Test func aChangedInputIsRefusedUnlessAllowedAndThenOnlyNewNumbersAreSent() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let (csv, expected) = try writeRecipients(count: 10, in: dir, seed: 23)
            let state = dir + "/s.sqlite"
            let args = ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", state,
                        "--base-url", server.baseURL, "--max-rate", "100/s"]
            let env = ["ZIETT_API_KEY": "zk_test_changed"]
            #expect(try await runBinary(args, environment: env).status == 0)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: csv))
            handle.seekToEndOfFile()
            handle.write(Data("+244923999111,Late Addition\n\(expected.sorted()[0]),Already Sent\n".utf8))
            try handle.close()
            let refused = try await runBinary(args, environment: env)
            #expect(refused.status == 65)
            #expect(refused.stderr.contains("changed since"))
            let allowed = try await runBinary(args + ["--allow-changed-input"], environment: env)
            #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
            let counts = await server.ledger().acceptedCountByNumber
            #expect(Set(counts.keys) == expected.union(["+244923999111"]))
            #expect(counts.values.allSatisfy { $0 == 1 }, "nothing sent twice: \(counts.filter { $0.value > 1 })")
            let report = try await runBinary(["report", "--state", state, "--only", "duplicate"])
            #expect(report.stdout.contains("already in this job"))
            #expect(try await runBinary(args, environment: env).status == 0, "the changed file is now the job's file")
            await server.stop()
        }

        @Test func anIngestKilledHalfWayContinuesWithoutStoringARowTwice() async throws {
            let dir = temporaryDirectory()
            let csv = dir + "/big.csv"
            var text = "phone,name\n"
            for i in 0..<150_000 { text += "+24492\(String(format: "%07d", i)),P\(i)\n" }
            try text.write(toFile: csv, atomically: true, encoding: .utf8)
            let state = dir + "/s.sqlite"
            let args = ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO", "--state", state, "--dry-run"]
            /// Rows stored so far, and whether the job is still reading, as the state file says.
            func ingest() -> (rows: Int, reading: Bool) {
                guard let store = try? SQLiteStateStore(path: state, readOnly: true), let job = try? store.jobs().first else { return (0, true) }
                return (job.ingestRows, job.phase == .ingesting)
            }
            var killed = 0
            var killedMidIngest = 0  // SIGKILLs that landed with rows stored and rows still to read
            for round in 0..<4 {
                let before = ingest().rows
                let child = try Child(args)
                // Ready once this run has stored rows of its own: the kill then lands inside the ingest.
                try await waitUntil("run \(round) to store rows") { !child.isRunning || ingest().rows > before }
                child.sendSIGKILL()
                let result = try await child.finish()
                guard result.killed else {
                    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                    break
                }
                killed += 1
                let after = ingest()
                if after.reading && after.rows > before && after.rows < 150_000 { killedMidIngest += 1 }
            }
            let final = try await runBinary(args)
            #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
            #expect(final.stdout.contains("rows: 150000 "), "\(final.stdout)")
            #expect(final.stdout.contains("pending 150000"))
            print("[ingest] \(killed) SIGKILLs landed, \(killedMidIngest) in the middle of the ingest, before the last run finished")
            #expect(killedMidIngest > 0, "no kill landed while the ingest was half done")
        }
    }
}

extension EndToEnd {
    @Suite("Suppression")
    struct SuppressionTests {
        @Test func suppressedNumbersAreNeverSentInAnyWrittenForm() async throws {
            let dir = temporaryDirectory()
            let csv = dir + "/in.csv"
            try "phone,name\n923456789,A\n+244 912 345 678,B\n931222333,C\n".write(toFile: csv, atomically: true, encoding: .utf8)
            try "00244923456789\n912-345-678\n".write(toFile: dir + "/stop.txt", atomically: true, encoding: .utf8)
            let result = try await runBinary(["validate", csv, "--country", "AO", "--suppress", dir + "/stop.txt"])
            #expect(result.stdout.contains("1 valid, 0 invalid, 0 duplicate, 2 suppressed"), "\(result.stdout)\(result.stderr)")
            let run = try await runBinary(["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--country", "AO",
                                           "--suppress", dir + "/stop.txt", "--state", dir + "/s.sqlite", "--dry-run"])
            #expect(run.stdout.contains("suppressed 2"), "\(run.stdout)")
            #expect(run.stdout.contains("plan: 1 recipient(s)"))
        }
    }
}
