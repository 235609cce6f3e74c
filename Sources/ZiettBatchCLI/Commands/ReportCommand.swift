import ArgumentParser
import Checkpoint
import Foundation

/// `ziett-batch report`: one CSV line per data row of the input, with its fate.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the per-recipient report: one line per data row of the input, with its status and ids.",
        discussion: """
            Columns: row,line,phone,e164,status,reason,campaign_id,message_id,trace_id,updated_at
            status is one of sent, pending, invalid, duplicate, suppressed, rejected.

            Example:
              ziett-batch report --state march.sqlite --out march-report.csv --only rejected
            """)

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "Write to this file instead of standard output.")
    var out: String?

    @Option(help: "Only rows with this status (sent, pending, invalid, duplicate, suppressed, rejected, failed = invalid+rejected).")
    var only: String?

    func validate() throws {
        if let only, only != "failed", RecipientStatus(rawValue: only) == nil {
            throw ValidationError("--only takes one of sent, pending, invalid, duplicate, suppressed, rejected, failed")
        }
    }

    func run() throws {
        var text = "row,line,phone,e164,status,reason,campaign_id,message_id,trace_id,updated_at\n"
        let handle: FileHandle?
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                printError("cannot write \(out)")
                throw ExitCode(74)
            }
            handle = FileHandle(forWritingAtPath: out)
        } else {
            handle = nil
        }
        func flush(force: Bool) {
            guard force || text.utf8.count > 1 << 16 else { return }
            if let handle { handle.write(Data(text.utf8)) } else { FileHandleOutput.write(text, fd: 1) }
            text = ""
        }
        let wanted: Set<RecipientStatus>? = only.map { $0 == "failed" ? [.invalid, .rejected] : [RecipientStatus(rawValue: $0)!] }
        try stateOptions.eachJob { store, job in
            try store.forEachRecipient(jobID: job.id) { r in
                if let wanted, !wanted.contains(r.status) { return }
                let updated = r.updatedAt.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0)) } ?? ""
                let cells = [
                    "\(r.row)", "\(r.line)", r.phone, r.e164 ?? "", r.status.rawValue, r.reason ?? "", r.campaignID ?? "",
                    r.messageID ?? "", r.traceID ?? "", updated,
                ]
                text += cells.map(CSVCell.escape).joined(separator: ",") + "\n"
                flush(force: false)
            }
        }
        flush(force: true)
        try? handle?.close()
        if let out { printError("report written to \(out)") }
    }
}

/// RFC 4180 quoting, plus a guard against spreadsheet formula injection.
enum CSVCell {
    static func escape(_ cell: String) -> String {
        var value = cell
        if let first = value.first, "=@".contains(first) || (first == "-" && value.count > 1 && !value.dropFirst().allSatisfy(\.isNumber)) {
            value = "'" + value
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
