import Checkpoint
import Delivery
import Foundation
import Recipients
import ZiettAPI

/// Prints the end-of-run summary (`RunSummary`), written for a cron mail read at 7 am.
enum RunSummaryPrinter {
    /// Prints `summary`: what the run did on standard output; why it stopped (when it did not complete),
    /// what to do about it, and the plan's warnings on standard error. With `quiet`, routine ticks print
    /// nothing.
    static func print(_ summary: RunSummary, quiet: Bool) {
        if quiet && isRoutine(summary) { return }
        lines(summary, quiet: quiet).write()
    }

    /// The summary's lines, each on its stream.
    static func lines(_ summary: RunSummary, quiet: Bool) -> CommandOutput {
        var out = CommandOutput()
        if let job = summary.jobName { out.result("job: \(job)") }
        if let plan = summary.plan, !quiet {
            if plan.requests.batches > 0 && plan.requests.messages > 0 {
                // A job that groups texts: both endpoints at once, each at its own rate.
                out.result("plan: \(plan.pending) recipient(s) to send in \(plan.openChunks) request(s) "
                    + "(\(plan.requests.batches) to \(ZiettEndpoint.sendBatch) at \(plan.batchRate), "
                    + "\(plan.requests.messages) to \(ZiettEndpoint.sendMessage) at \(plan.messageRate)), "
                    + "\(plan.segments) SMS segment(s), \(plan.encoding): \(DurationText.format(plan.estimatedSeconds))")
            } else {
                out.result("plan: \(plan.pending) recipient(s) to send in \(plan.openChunks) request(s) to \(plan.endpoint), "
                    + "\(plan.segments) SMS segment(s), \(plan.encoding), at \(plan.rate): \(DurationText.format(plan.estimatedSeconds))")
            }
            for warning in plan.warnings { out.diagnostic("warning: \(warning)") }
            if let window = plan.window { out.result("send window: \(window.text)") }
        }
        if let counts = summary.counts {
            var order: [RecipientStatus] = [.sent, .pending, .rejected, .invalid, .duplicate, .suppressed]
            if counts.recipients(.expired) > 0 { order.append(.expired) }
            let parts = order.map { "\($0.rawValue) \(counts.recipients($0))" }.joined(separator: ", ")
            out.result("rows: \(counts.rows) (\(parts))")
            if !summary.numberTypes.isEmpty {
                let types = PhoneNumberType.allCases.compactMap { type in summary.numberTypes[type.rawValue].map { "\(type.rawValue) \($0)" } }
                out.result("number types: " + types.joined(separator: ", "))
            }
            if summary.requestsThisRun > 0 || summary.acceptedThisRun > 0 {
                out.result("this run: \(summary.requestsThisRun) request(s), \(summary.acceptedThisRun) recipient(s) accepted")
            }
        }
        if summary.exitStatus == .complete {
            out.result(summary.headline)
            for detail in summary.details { out.result(detail) }
        } else {
            out.diagnostic("exit \(summary.exitStatus.rawValue): \(summary.headline)")
            for detail in summary.details { out.diagnostic(detail) }
        }
        if let state = summary.statePath { out.result("state: \(state)  (ziett-batch status --state \(state))") }
        return out
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
