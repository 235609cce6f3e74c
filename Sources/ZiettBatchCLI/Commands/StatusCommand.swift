import ArgumentParser
import Checkpoint
import Delivery
import Foundation

/// `ziett-batch status`: where every job stands and what the next run will do.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each job: phase, recipients by state, requests by state, last error, next step.",
        discussion: """
            Example:
              ziett-batch status --state ~/.local/state/ziett-batch/march.sqlite
              ziett-batch status --json | jq '.jobs[0].recipients'
            """)

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Print one JSON object (documented in docs/status-json.md).")
    var json = false

    func run() throws {
        var statuses: [JobStatus] = []
        try stateOptions.eachJob { store, job in
            statuses.append(try JobStatus.make(store: store, job: job))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let data = try encoder.encode(StatusDocument(jobs: statuses))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(statuses.map(\.text).joined(separator: "\n\n"))
        }
    }
}

/// The `status --json` document.
struct StatusDocument: Codable {
    var version = 1
    var jobs: [JobStatus]
}

/// One job's status.
struct JobStatus: Codable {
    var name: String
    var state: String
    var phase: String
    var csv: String
    var createdAt: String
    var rows: Int
    var recipients: [String: Int]
    var chunks: [String: Int]
    var lastError: LastError?
    var next: String

    struct LastError: Codable {
        var chunk: Int
        var code: String
        var message: String
        var httpStatus: Int?
        var traceID: String?
    }

    static func make(store: StateStore, job: Job) throws -> JobStatus {
        let counts = try store.counts(jobID: job.id)
        var recipients: [String: Int] = [:]
        for status in RecipientStatus.allCases { recipients[status.rawValue] = counts.recipients(status) }
        var chunks: [String: Int] = [:]
        for state in ChunkState.allCases { chunks[state.rawValue] = counts.chunks(state) }
        let last = try store.lastError(jobID: job.id).map {
            LastError(chunk: $0.chunk, code: $0.error.code, message: $0.error.message, httpStatus: $0.error.httpStatus, traceID: $0.error.traceID)
        }
        let next: String
        switch job.phase {
        case .ingesting: next = "continue reading the CSV from row \(job.ingestRows + 1), then send"
        case .complete: next = "nothing: the job is complete"
        case .planned:
            if counts.chunks(.inflight) > 0 {
                next = "look up \(counts.chunks(.inflight)) in-doubt request(s) at the API, then send \(counts.openChunks) request(s)"
            } else if counts.openChunks > 0 {
                next = "send \(counts.recipients(.pending)) recipient(s) in \(counts.openChunks) request(s)"
            } else {
                next = "mark the job complete"
            }
        }
        return JobStatus(
            name: job.name, state: store.path, phase: job.phase.rawValue, csv: job.settings.csvPath,
            createdAt: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: job.createdAt)),
            rows: counts.rows, recipients: recipients, chunks: chunks, lastError: last, next: next)
    }

    var text: String {
        var lines = ["job \(name)  [\(phase)]  \(csv)", "  state:      \(state)", "  created:    \(createdAt)"]
        let r = RecipientStatus.allCases.map { "\($0.rawValue) \(recipients[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        lines.append("  rows:       \(rows) (\(r))")
        let c = ChunkState.allCases.map { "\($0.rawValue) \(chunks[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        lines.append("  requests:   \(c)")
        if let lastError {
            lines.append("  last error: chunk \(lastError.chunk): \(lastError.code)\(lastError.httpStatus.map { " (HTTP \($0))" } ?? ""): \(lastError.message)\(lastError.traceID.map { " [trace \($0)]" } ?? "")")
        }
        lines.append("  next run:   \(next)")
        return lines.joined(separator: "\n")
    }
}
