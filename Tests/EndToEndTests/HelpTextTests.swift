import Foundation
import Testing

extension EndToEnd {
    /// `--help` as an operator reads it in an 80-column terminal: every line fits, paragraphs wrap
    /// evenly (no hard line breaks inside them), and `ziett-batch --help` lists each command on one line.
    @Suite("Help texts")
    struct HelpTextTests {
        static let commands = ["run", "validate", "status", "report", "track", "retry", "resolve", "sim", "demo"]

        func help(_ arguments: [String]) async throws -> ProcessResult {
            try await runBinary(arguments + ["--help"], environment: ["COLUMNS": "80"])
        }

        @Test func topLevelHelpListsEveryCommandOnOneLine() async throws {
            let result = try await help([])
            #expect(result.status == 0, "\(result.stderr)")
            try expectSnapshot(result.stdout, named: "help.txt")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex(of: "SUBCOMMANDS:"))
            for command in Self.commands {
                let index = try #require(lines[start...].firstIndex { $0.hasPrefix("  \(command) ") }, "\(command) is listed")
                let abstract = lines[index].dropFirst(2 + command.count).trimmingCharacters(in: .whitespaces)
                #expect(!abstract.isEmpty, "\(command) has an abstract")
                // A continuation would be a line indented to the abstracts' column, with no command name.
                let next = lines[index + 1]
                #expect(next.isEmpty || next.hasPrefix("  ") && next.dropFirst(2).first != " ", "\(command)'s abstract wraps: \(next)")
            }
        }

        @Test(arguments: commands)
        func everyCommandHelpFitsEightyColumns(command: String) async throws {
            let result = try await help([command])
            #expect(result.status == 0, "\(result.stderr)")
            // ArgumentParser prints the USAGE line whole, whatever the width: the one line it does not wrap.
            for line in result.stdout.split(separator: "\n") where !line.hasPrefix("USAGE: ") {
                #expect(line.count <= 80, "\(command) --help: a line of \(line.count) columns: \(line)")
            }
            try expectSnapshot(result.stdout, named: "help-\(command).txt")
        }
    }
}
