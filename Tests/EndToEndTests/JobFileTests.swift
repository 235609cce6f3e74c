import Foundation
import Testing
import TestSupport

extension EndToEnd {
    /// `run --job-file`: every option from a TOML file, flags win, paths relative to the file.
    @Suite("Job files")
    struct JobFileTests {
        static let sender = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"

        /// A directory holding `jobs/<name>.toml` and `data/recipients.csv`.
        func layout(_ toml: String) throws -> (dir: String, jobFile: String) {
            let dir = temporaryDirectory()
            try FileManager.default.createDirectory(atPath: dir + "/jobs", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            _ = try writeRecipients(count: 6, in: dir + "/data", seed: 7)
            try "Olá a todos\n".write(toFile: dir + "/data/text.txt", atomically: true, encoding: .utf8)
            let jobFile = dir + "/jobs/promo.toml"
            try toml.write(toFile: jobFile, atomically: true, encoding: .utf8)
            return (dir, jobFile)
        }

        static let base = """
            # a job file as an operator writes it
            csv = "../data/recipients.csv"
            sender = "\(sender)"
            message-file = "../data/text.txt"
            country = "AO"
            chunk_size = 2
            job = "from-file"
            state = "../state/promo.sqlite"
            dry-run = true

            """

        @Test func takesEveryOptionFromTheFileWithPathsRelativeToIt() async throws {
            let (dir, jobFile) = try layout(Self.base)
            // Run from another directory: relative paths must not depend on the working directory.
            let result = try await runBinary(["run", "--job-file", jobFile], directory: temporaryDirectory())
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("job: from-file"))
            #expect(result.stdout.contains("dry run"))
            #expect(FileManager.default.fileExists(atPath: dir + "/state/promo.sqlite"))
            #expect(result.stdout.contains("in 3 request(s)"), "chunk_size = 2 over 6 recipients: \(result.stdout)")
        }

        @Test func commandLineFlagsOverrideTheFile() async throws {
            let (dir, jobFile) = try layout(Self.base)
            let result = try await runBinary(
                ["run", "--job-file", jobFile, "--job", "from-flag", "--chunk-size", "3", "--state", dir + "/other.sqlite"],
                directory: temporaryDirectory())
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("job: from-flag"))
            #expect(result.stdout.contains("in 2 request(s)"), "--chunk-size 3 wins over chunk_size = 2: \(result.stdout)")
            #expect(FileManager.default.fileExists(atPath: dir + "/other.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/state/promo.sqlite"))
        }

        @Test func aMessageOnTheCommandLineReplacesTheFilesMessageFile() async throws {
            let (_, jobFile) = try layout(Self.base)
            let result = try await runBinary(["run", "--job-file", jobFile, "--message", "Hi"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }

        @Test func anUnknownKeyIsAnErrorNamingTheKeyAndTheFile() async throws {
            let (_, jobFile) = try layout(Self.base + "chunk-sise = 10\n")
            let result = try await runBinary(["run", "--job-file", jobFile])
            #expect(result.status == 64)
            #expect(result.stderr.contains("chunk-sise"), "\(result.stderr)")
            #expect(result.stderr.contains(jobFile), "\(result.stderr)")
        }

        @Test func aWrongTypeOrBrokenTOMLIsAnError() async throws {
            let (_, typed) = try layout(Self.base.replacingOccurrences(of: "chunk_size = 2", with: "chunk_size = \"two\""))
            let wrong = try await runBinary(["run", "--job-file", typed])
            #expect(wrong.status == 64)
            #expect(wrong.stderr.contains("chunk_size"), "\(wrong.stderr)")
            let (_, broken) = try layout("csv = \n")
            let parse = try await runBinary(["run", "--job-file", broken])
            #expect(parse.status == 64)
            #expect(parse.stderr.contains("promo.toml:1"), "\(parse.stderr)")
        }

        @Test func aMissingJobFileExitsWithNoInputAndYAMLIsRefused() async throws {
            let missing = try await runBinary(["run", "--job-file", temporaryDirectory() + "/nope.toml"])
            #expect(missing.status == 66, "\(missing.stdout)\(missing.stderr)")
            #expect(missing.stderr.contains("nope.toml"))
            let status = try await runBinary(["status", "--job-file", temporaryDirectory() + "/nope.toml"])
            #expect(status.status == 66)
            let yaml = try await runBinary(["run", "--job-file", "jobs/x.yaml"])
            #expect(yaml.status == 64)
            #expect(yaml.stderr.contains("TOML"))
        }

        @Test func statusAndReportFindTheStateThroughTheJobFile() async throws {
            let (_, jobFile) = try layout(Self.base)
            let run = try await runBinary(["run", "--job-file", jobFile])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let status = try await runBinary(["status", "--job-file", jobFile])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(status.stdout.hasPrefix("job from-file  [planned]"), "\(status.stdout)")
            let report = try await runBinary(["report", "--job-file", jobFile])
            #expect(report.stdout.split(separator: "\n").count == 11, "\(report.stdout)")
        }

        @Test func theCommittedExampleJobFilesParse() async throws {
            let jobs = Binary.repositoryRoot + "/jobs"
            let files = try FileManager.default.contentsOfDirectory(atPath: jobs).filter { $0.hasSuffix(".toml") }
            #expect(!files.isEmpty)
            for file in files {
                // The examples point at files that do not exist here: a parse error would be 64, a missing CSV 66.
                let result = try await runBinary(["run", "--job-file", jobs + "/" + file, "--dry-run", "--state", temporaryDirectory() + "/s.sqlite"])
                #expect(result.status == 66, "\(file): \(result.stdout)\(result.stderr)")
            }
        }
    }
}
