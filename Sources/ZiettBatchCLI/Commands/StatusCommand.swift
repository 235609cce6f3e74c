import ArgumentParser
import Checkpoint
import Delivery
import Foundation
import ZiettAPI

/// `ziett-batch status`: where every job stands and what the next run will do.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where each job stands and what happens next.",
        discussion: """
            For each job: its phase, recipients and requests by state, throughput, ETA, delivery, the last \
            error and the next step. Reads the state file only (no API key, no network). Delivery counts and \
            cost appear once \
            `ziett-batch track` has looked them up. --json prints one object, documented in docs/status-json.md.

            Example:
              ziett-batch status --state ~/.local/state/ziett-batch/march.sqlite
              ziett-batch status --json | jq '.jobs[0].recipients'
            """)

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Print one JSON object (documented in docs/status-json.md) instead of text.")
    var json = false

    @Option(help: "The send rate the ETA assumes, e.g. 10/min (default: the documented limit of the job's endpoint).")
    var maxRate: String?

    func validate() throws {
        if let maxRate, RateLimit(parsing: maxRate) == nil { throw ValidationError("--max-rate must look like 10/min or 2/s") }
    }

    func run() throws {
        var statuses: [JobStatus] = []
        let rate = maxRate.flatMap(RateLimit.init(parsing:))
        try stateOptions.eachJob { store, job in
            statuses.append(try JobStatus.make(store: store, job: job, maxRate: rate))
        }
        if json {
            print(try StatusDocument(jobs: statuses).jsonText())
        } else {
            print(statuses.map(\.text).joined(separator: "\n\n"))
        }
    }
}

/// The `status --json` document (docs/status-json.md). Fields are only ever added.
struct StatusDocument: Codable {
    var version = 1
    var jobs: [JobStatus]

    func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
