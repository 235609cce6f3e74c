import Checkpoint
import Foundation
import Testing
import TestSupport

extension EndToEnd {
    /// What an operator reads: `status`, `status --json`, `report` and `run --help`, compared with snapshots.
    @Suite("Operator output")
    struct OperatorOutputTests {
        /// Runs the binary on a fresh fixed state; the state path is replaced by `<state>`.
        func output(_ arguments: [String]) async throws -> ProcessResult {
            let dir = temporaryDirectory()
            let state = dir + "/march.sqlite"
            try FixedState.build(at: state)
            var result = try await runBinary(arguments + ["--state", state])
            result.stdout = result.stdout.replacingOccurrences(of: state, with: "<state>")
            return result
        }

        @Test func statusTextShowsCountsThroughputETADeliveryAndLastError() async throws {
            let result = try await output(["status"])
            #expect(result.status == 0, "\(result.stderr)")
            try expectSnapshot(result.stdout, named: "status.txt")
        }

        @Test func statusJSONIsTheDocumentedObject() async throws {
            let result = try await output(["status", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            try expectSnapshot(result.stdout, named: "status.json")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(object?["version"] as? Int == 1)
        }

        @Test func reportHasOneLinePerDataRowWithDelivery() async throws {
            let result = try await output(["report"])
            #expect(result.status == 0, "\(result.stderr)")
            try expectSnapshot(result.stdout, named: "report.csv")
            #expect(result.stdout.split(separator: "\n").count == 11)
        }

        @Test func reportOnlyFiltersByOutcome() async throws {
            let failed = try await output(["report", "--only", "failed"])
            #expect(failed.stdout.split(separator: "\n").map { String($0.split(separator: ",")[0]) } == ["row", "5", "6", "7"])
            let undelivered = try await output(["report", "--only", "undelivered"])
            #expect(undelivered.stdout.split(separator: "\n").map { String($0.split(separator: ",")[0]) } == ["row", "3"])
            let bad = try await output(["report", "--only", "nonsense"])
            #expect(bad.status == 64)
        }

        @Test func runHelpExplainsEveryOption() async throws {
            let result = try await runBinary(["run", "--help"], environment: ["COLUMNS": "100"])
            #expect(result.status == 0)
            try expectSnapshot(result.stdout, named: "run-help.txt")
        }

        @Test(arguments: ["run", "validate", "status", "report", "track", "retry", "sim", "demo"])
        func everyCommandHelpHasAPurposeAndAnExample(command: String) async throws {
            let result = try await runBinary([command, "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.hasPrefix("OVERVIEW: "))
            #expect(result.stdout.lowercased().contains("example"), "\(command) --help has no example")
        }
    }
}
