import Checkpoint
import Foundation
import Synchronization

/// A live progress line on a terminal (standard error): accepted / total, rate, ETA.
///
/// Off a terminal it prints nothing: cron mail gets log lines and the final summary only.
final class ProgressPrinter: Sendable {
    let enabled: Bool
    private let start = Date()
    private let drawn = Atomic<Bool>(false)

    init(enabled: Bool) { self.enabled = enabled }

    var update: @Sendable (JobCounts) -> Void {
        { [self] counts in
            guard enabled else { return }
            let sent = counts.recipients(.sent)
            let total = sent + counts.recipients(.pending)
            let elapsed = max(0.001, Date().timeIntervalSince(start))
            let rate = Double(sent) / elapsed
            let percent = total == 0 ? 100 : sent * 100 / total
            FileHandleOutput.write("\r\u{1B}[2K\(sent)/\(total) accepted (\(percent)%), \(Int(rate * 60))/min, \(counts.openChunks) request(s) left", fd: 2)
            drawn.store(true, ordering: .relaxed)
        }
    }

    func finish() {
        if enabled && drawn.load(ordering: .relaxed) { FileHandleOutput.write("\n", fd: 2) }
    }
}
