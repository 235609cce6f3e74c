import Delivery
import Foundation
import Logging
import Synchronization

/// Progress of a run: a live line on a terminal, periodic log lines elsewhere.
///
/// On a terminal (standard error) it redraws one line: recipients accepted / total, rate, ETA, retries.
/// Off a terminal (cron) it writes no control characters: every `interval` seconds, one `info` log line
/// through swift-log with the same figures as metadata. With `--quiet`, nothing.
final class ProgressPrinter: Sendable {
    enum Mode { case live, log, off }
    let mode: Mode
    let interval: Double
    let logger: Logger
    private let start = Date()
    private let state = Mutex<(drawn: Bool, lastLog: Double)>((false, 0))

    init(mode: Mode, logger: Logger, interval: Double = 30) {
        self.mode = mode
        self.logger = logger
        self.interval = interval
    }

    /// The mode for this process: live on a terminal, log lines off one, nothing when quiet.
    static func mode(quiet: Bool, terminal: Bool = isTerminal(2)) -> Mode {
        quiet ? .off : terminal ? .live : .log
    }

    var update: @Sendable (RunProgress) -> Void {
        { [self] progress in
            let elapsed = max(0.001, Date().timeIntervalSince(start))
            let line = Self.describe(progress, elapsed: elapsed)
            switch mode {
            case .off: return
            case .live:
                LiveLine.draw(line.text)
                state.withLock { $0.drawn = true }
            case .log:
                let due = state.withLock { s -> Bool in
                    let finished = progress.chunksDone >= progress.chunksOpen
                    guard progress.chunksDone > 0, finished || elapsed - s.lastLog >= interval || s.lastLog == 0 else { return false }
                    s.lastLog = elapsed
                    return true
                }
                if due { logger.info("progress", metadata: line.metadata) }
            }
        }
    }

    /// Ends the live line so that the summary starts on its own line.
    func finish() {
        if mode == .live && state.withLock({ $0.drawn }) { LiveLine.end() }
    }

    /// The figures in words and as log metadata.
    static func describe(_ p: RunProgress, elapsed: Double) -> (text: String, metadata: Logger.Metadata) {
        let rate = Double(p.acceptedThisRun) / elapsed * 60
        let left = max(0, p.total - p.accepted)
        let percent = p.total == 0 ? 100 : p.accepted * 100 / p.total
        // The observed rate flatters the first window (its requests go at once); the pacing bounds it.
        let observed = rate > 0 ? Double(left) / rate * 60 : nil
        let eta: String
        if left == 0 {
            eta = "done"
        } else if let seconds = [observed, p.pacedSecondsLeft].compactMap({ $0 }).max() {
            eta = DurationText.format(seconds)
        } else {
            eta = "unknown"
        }
        let text = "\(p.accepted)/\(p.total) accepted (\(percent)%), \(Int(rate.rounded()))/min, ETA \(eta), "
            + "\(p.requestsThisRun) request(s), \(p.retriesThisRun) retr\(p.retriesThisRun == 1 ? "y" : "ies")"
        let metadata: Logger.Metadata = [
            "recipients.accepted": "\(p.accepted)", "recipients.total": "\(p.total)",
            "rate.per_min": "\(Int(rate.rounded()))", "eta": "\(eta)", "requests": "\(p.requestsThisRun)",
            "retries": "\(p.retriesThisRun)",
        ]
        return (text, metadata)
    }
}

/// The one live line at the bottom of a terminal, kept below the log lines.
///
/// A log line written while a progress line is drawn first clears it, then redraws it underneath, so
/// the two never share a line.
enum LiveLine {
    private static let current = Mutex<String?>(nil)

    /// Draws (or redraws) the live line.
    static func draw(_ text: String) {
        current.withLock { line in
            line = text
            FileHandleOutput.write("\r\u{1B}[2K" + text, fd: 2)
        }
    }

    /// Writes a whole log line (ending in a newline) above the live line.
    static func writeAbove(_ logLine: String) {
        current.withLock { line in
            if let line {
                FileHandleOutput.write("\r\u{1B}[2K" + logLine + line, fd: 2)
            } else {
                FileHandleOutput.write(logLine, fd: 2)
            }
        }
    }

    /// Leaves the live line where it is and moves below it.
    static func end() {
        current.withLock { line in
            if line != nil { FileHandleOutput.write("\n", fd: 2) }
            line = nil
        }
    }
}
