import ArgumentParser
import Foundation
import Logging

/// How log lines look: text for people, JSON for log shippers.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options shared by commands that log.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log line format on standard error: text (key=value) or json (one object per line) (default: text).")
    var logFormat: LogFormat?

    @Flag(name: .shortAndLong, help: "Only errors and the final summary (no progress, no info lines).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Debug detail: every request and its outcome.")
    var verbose = false

    /// Takes `log-format`, `quiet` and `verbose` from a job file where the command line did not set them.
    mutating func apply(_ file: JobFile) {
        if logFormat == nil, let text = file.strings["log-format"] { logFormat = LogFormat(rawValue: text) }
        quiet = quiet || file.flags["quiet"] == true
        verbose = verbose || file.flags["verbose"] == true
    }

    /// Installs the log handler once per process and returns a logger.
    func bootstrap(label: String) -> Logger {
        let level: Logger.Level = quiet ? .error : verbose ? .debug : .info
        let format = logFormat ?? .text
        LoggingBootstrap.once {
            LoggingSystem.bootstrap { label in
                var handler = LineLogHandler(label: label, format: format)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false
    static func once(_ body: () -> Void) {
        if !done {
            done = true
            body()
        }
    }
}

/// A log handler writing one line per event to standard error: plain text with `key=value` metadata, or
/// one JSON object. No colours and no control characters, so cron mail stays readable.
struct LineLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let time = ISO8601DateFormatter().string(from: Date())
        let line: String
        switch format {
        case .text:
            let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(time) \(event.level) \(event.message)\(meta.isEmpty ? "" : " " + meta)\n"
        case .json:
            var object: [String: String] = ["time": time, "level": "\(event.level)", "message": "\(event.message)", "logger": label]
            for (key, value) in all { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        LiveLine.writeAbove(line)
    }
}
