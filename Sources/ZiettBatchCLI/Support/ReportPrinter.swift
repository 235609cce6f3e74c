import Checkpoint
import Delivery
import Foundation

/// The final summary of a run, written for a cron mail read at 7 am.
enum ReportPrinter {
    static func print(_ report: RunReport, quiet: Bool) {
        if quiet && isRoutine(report) { return }
        var lines: [String] = []
        if let job = report.jobName { lines.append("job: \(job)") }
        if let plan = report.plan, !quiet {
            lines.append("plan: \(plan.pending) recipient(s) to send in \(plan.openChunks) request(s) to \(plan.endpoint), "
                + "\(plan.segments) SMS segment(s), \(plan.encoding), at \(plan.rate): \(DurationText.format(plan.estimatedSeconds))")
            for warning in plan.warnings { lines.append("warning: \(warning)") }
        }
        if let counts = report.counts {
            let order: [RecipientStatus] = [.sent, .pending, .rejected, .invalid, .duplicate, .suppressed]
            let parts = order.map { "\($0.rawValue) \(counts.recipients($0))" }.joined(separator: ", ")
            lines.append("rows: \(counts.rows) (\(parts))")
            if report.requestsThisRun > 0 || report.acceptedThisRun > 0 {
                lines.append("this run: \(report.requestsThisRun) request(s), \(report.acceptedThisRun) recipient(s) accepted")
            }
        }
        lines.append((report.exitStatus == .complete ? "" : "exit \(report.exitStatus.rawValue): ") + report.headline)
        lines.append(contentsOf: report.details)
        if let state = report.statePath { lines.append("state: \(state)  (ziett-batch status --state \(state))") }
        let text = lines.joined(separator: "\n") + "\n"
        if report.exitStatus == .complete {
            FileHandleOutput.write(text, fd: 1)
        } else {
            FileHandleOutput.write(text, fd: 1)
            if report.counts == nil { FileHandleOutput.write("", fd: 2) }
        }
    }
}

extension ReportPrinter {
    /// A tick that changed nothing and needs nobody: the job was already complete, or another run of it
    /// is active. With `--quiet` these print nothing, so a crontab running every minute mails only news.
    static func isRoutine(_ report: RunReport) -> Bool {
        switch report.exitStatus {
        case .complete:
            return report.requestsThisRun == 0 && report.acceptedThisRun == 0 && (report.plan?.pending ?? 0) == 0
                && (report.plan?.openChunks ?? 0) == 0 && !report.headline.hasPrefix("dry run")
        case .runAgainLater:
            return report.jobName == nil && report.headline.hasPrefix("another run")
        default:
            return false
        }
    }
}

enum DurationText {
    static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "under a second" }
        let s = Int(seconds.rounded())
        if s < 120 { return "about \(s) s" }
        if s < 7200 { return "about \(s / 60) min" }
        return "about \(s / 3600) h \(s % 3600 / 60) min"
    }
}
