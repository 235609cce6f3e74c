import Checkpoint
import Delivery
import Foundation
import Recipients

/// Prints the end-of-run summary (`RunSummary`), written for a cron mail read at 7 am.
enum RunSummaryPrinter {
    /// Prints `summary` to standard output; with `quiet`, routine ticks print nothing.
    static func print(_ summary: RunSummary, quiet: Bool) {
        if quiet && isRoutine(summary) { return }
        var lines: [String] = []
        if let job = summary.jobName { lines.append("job: \(job)") }
        if let plan = summary.plan, !quiet {
            lines.append("plan: \(plan.pending) recipient(s) to send in \(plan.openChunks) request(s) to \(plan.endpoint), "
                + "\(plan.segments) SMS segment(s), \(plan.encoding), at \(plan.rate): \(DurationText.format(plan.estimatedSeconds))")
            for warning in plan.warnings { lines.append("warning: \(warning)") }
            if let window = plan.window { lines.append("send window: \(window.text)") }
        }
        if let counts = summary.counts {
            var order: [RecipientStatus] = [.sent, .pending, .rejected, .invalid, .duplicate, .suppressed]
            if counts.recipients(.expired) > 0 { order.append(.expired) }
            let parts = order.map { "\($0.rawValue) \(counts.recipients($0))" }.joined(separator: ", ")
            lines.append("rows: \(counts.rows) (\(parts))")
            if !summary.numberTypes.isEmpty {
                let types = PhoneNumberType.allCases.compactMap { type in summary.numberTypes[type.rawValue].map { "\(type.rawValue) \($0)" } }
                lines.append("number types: " + types.joined(separator: ", "))
            }
            if summary.requestsThisRun > 0 || summary.acceptedThisRun > 0 {
                lines.append("this run: \(summary.requestsThisRun) request(s), \(summary.acceptedThisRun) recipient(s) accepted")
            }
        }
        lines.append((summary.exitStatus == .complete ? "" : "exit \(summary.exitStatus.rawValue): ") + summary.headline)
        lines.append(contentsOf: summary.details)
        if let state = summary.statePath { lines.append("state: \(state)  (ziett-batch status --state \(state))") }
        FileHandleOutput.write(lines.joined(separator: "\n") + "\n", fd: 1)
    }
}

extension RunSummaryPrinter {
    /// A tick that changed nothing and needs nobody: the job was already complete, or another run of it
    /// is active. With `--quiet` these print nothing, so a crontab running every minute mails only news.
    static func isRoutine(_ summary: RunSummary) -> Bool {
        switch summary.exitStatus {
        case .complete:
            return summary.requestsThisRun == 0 && summary.acceptedThisRun == 0 && (summary.plan?.pending ?? 0) == 0
                && (summary.plan?.openChunks ?? 0) == 0 && !summary.headline.hasPrefix("dry run")
        case .runAgainLater:
            return summary.jobName == nil && summary.headline.hasPrefix("another run")
        default:
            return false
        }
    }
}
