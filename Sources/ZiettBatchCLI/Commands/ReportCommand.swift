import ArgumentParser
import Checkpoint
import Delivery
import Foundation

/// `ziett-batch report`: the per-recipient report, one CSV line per data row of the input, with its fate.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one CSV line per input row, with its outcome.",
        discussion: """
            The per-recipient report: each data row of the input with its status, ids and delivery. Columns:
              row,line,phone,e164,status,reason,campaign_id,message_id,trace_id,
              updated_at,delivery_status,delivery_error,cost

            status is one of sent, pending, invalid, duplicate, suppressed, rejected. delivery_status, \
            delivery_error and cost are filled by `ziett-batch track` (DELIVERED, FAILED, UNDELIVERED, …). \
            The file is created with mode 0600: it holds phone numbers.

            Example:
              ziett-batch report --state march.sqlite --out march-report.csv --only failed
            """)

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "Write to this file (mode 0600) instead of standard output.")
    var out: String?

    @Option(help: ArgumentHelp(
        "Only these rows: \(RecipientReportFilter.names).",
        discussion: "failed = invalid + rejected (not sent); undelivered = tracked with a final status other than DELIVERED; untracked = sent, final status not known yet."))
    var only: String?

    func validate() throws {
        if let only, RecipientReportFilter(rawValue: only) == nil {
            throw ValidationError("--only takes one of \(RecipientReportFilter.names)")
        }
    }

    func run() throws {
        var text = RecipientReportWriter.header
        let handle: FileHandle?
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                printError("cannot write \(out)")
                throw ExitStatus.ioError.exitCode
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
        let filter = only.flatMap(RecipientReportFilter.init(rawValue:))
        var written = 0
        try stateOptions.eachJob { store, job in
            try store.forEachRecipientWithDelivery(jobID: job.id) { r, d in
                if let filter, !filter.keeps(r, d) { return }
                text += RecipientReportWriter.line(r, d)
                written += 1
                flush(force: false)
            }
        }
        flush(force: true)
        try? handle?.close()
        // A summary of what was done, so standard output (empty otherwise when the report goes to a file).
        if let out { say("report: \(written) row(s) written to \(out)") }
    }
}
