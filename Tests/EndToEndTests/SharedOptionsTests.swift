import Foundation
import Testing
import TestSupport

extension EndToEnd {
    /// Options several commands share (`CSVOptions`, `APIOptions`, `--delimiter`'s own type): parsed and
    /// described the same everywhere.
    @Suite("Shared options")
    struct SharedOptionsTests {
        /// The help lines of `option` (its line and the indented lines under it) in `help`.
        func helpLines(_ option: String, in help: String) -> [Substring] {
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.hasPrefix("  \(option) ") || $0 == "  \(option)" }) else { return [] }
            let rest = lines[(start + 1)...].prefix { $0.hasPrefix("   ") }
            return [lines[start]] + rest
        }

        @Test func sharedOptionsHaveOneDescription() async throws {
            let run = try await runBinary(["run", "--help"])
            let validate = try await runBinary(["validate", "--help"])
            let track = try await runBinary(["track", "--help"])
            for option in ["--country", "--phone-column", "--delimiter", "--suppress"] {
                let inRun = helpLines(option, in: run.stdout)
                #expect(!inRun.isEmpty, "\(option) in run --help")
                #expect(inRun == helpLines(option, in: validate.stdout), "\(option): run and validate describe it alike")
            }
            let baseURL = helpLines("--base-url", in: run.stdout)
            #expect(!baseURL.isEmpty && baseURL == helpLines("--base-url", in: track.stdout))
        }

        @Test func everyDelimiterSpellingReadsItsFile() async throws {
            let dir = temporaryDirectory()
            let files: [(separator: String, spellings: [String])] = [
                (",", [",", "comma", "auto"]), (";", [";", "auto"]), ("|", ["|", "pipe", "auto"]),
                ("\t", ["tab", "TAB", "\\t", "\t", "auto"]),
            ]
            for (index, file) in files.enumerated() {
                let path = dir + "/people-\(index).csv"
                let text = ["phone", "name"].joined(separator: file.separator) + "\n"
                    + ["+244923456789", "Ana"].joined(separator: file.separator) + "\n"
                    + ["923456780", "Rui"].joined(separator: file.separator) + "\n"
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                for spelling in file.spellings {
                    let result = try await runBinary(["validate", path, "--country", "AO", "--delimiter", spelling])
                    #expect(result.status == 0, "--delimiter \(spelling.debugDescription): \(result.stderr)")
                    #expect(result.stdout.contains("2 row(s): 2 valid"), "--delimiter \(spelling.debugDescription): \(result.stdout)")
                }
            }
        }

        @Test func aBadDelimiterIsRefusedBeforeAnythingIsReadNamingTheValueAndTheChoices() async throws {
            let dir = temporaryDirectory()
            let (csv, _) = try writeRecipients(count: 3, in: dir, seed: 5)
            let commands = [
                ["validate", csv, "--delimiter", ":"],
                ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--state", dir + "/s.sqlite",
                 "--dry-run", "--delimiter", ":"],
            ]
            for arguments in commands {
                let result = try await runBinary(arguments)
                #expect(result.status == 64, "\(arguments[0]): \(result.stdout)\(result.stderr)")
                #expect(result.stderr.contains("The value ':' is invalid for '--delimiter <delimiter>'"), "\(result.stderr)")
                #expect(result.stderr.contains("',', ';', 'tab', '|' or 'auto'"), "the choices: \(result.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/s.sqlite"), "nothing was created")

            let jobFile = dir + "/job.toml"
            try "csv = \"recipients.csv\"\nsender = \"\(EndToEnd.KillResumeTests.sender)\"\nmessage = \"Hi\"\ndelimiter = \":\"\n"
                .write(toFile: jobFile, atomically: true, encoding: .utf8)
            let fromFile = try await runBinary(["run", "--job-file", jobFile, "--dry-run"])
            #expect(fromFile.status == 64, "\(fromFile.stdout)\(fromFile.stderr)")
            #expect(fromFile.stderr.contains("\"delimiter\" is \":\""), "\(fromFile.stderr)")
        }

        @Test func aDelimiterFromTheJobFileIsUsedAndTheCommandLineWins() async throws {
            let dir = temporaryDirectory()
            // `|`-separated, with a comma in the header: sniffing takes the comma (same count, listed first).
            try "phone|full,name\n+244923456789|Ana,B\n+244923456780|Rui,C\n".write(toFile: dir + "/people.csv", atomically: true, encoding: .utf8)
            let sniffed = try await runBinary(["validate", dir + "/people.csv"])
            #expect(sniffed.status == 64, "no phone column when sniffed: \(sniffed.stdout)\(sniffed.stderr)")
            let jobFile = dir + "/job.toml"
            try """
                csv = "people.csv"
                sender = "\(EndToEnd.KillResumeTests.sender)"
                message = "Hi"
                delimiter = "|"
                state = "s.sqlite"
                dry-run = true
                """.write(toFile: jobFile, atomically: true, encoding: .utf8)
            let result = try await runBinary(["run", "--job-file", jobFile])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("2 recipient(s) to send"), "\(result.stdout)")
            let overridden = try await runBinary(["run", "--job-file", jobFile, "--delimiter", "auto", "--state", dir + "/other.sqlite"])
            #expect(overridden.status == 64, "--delimiter auto on the command line wins: \(overridden.stdout)\(overridden.stderr)")
        }
    }
}
