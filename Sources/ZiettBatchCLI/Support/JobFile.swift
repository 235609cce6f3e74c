import ArgumentParser
import Delivery
import Foundation
import TOMLKit

/// A declarative job: every `run` option in a TOML file (`ziett-batch run --job-file jobs/march.toml`).
///
/// Keys are the long option names without the dashes (`chunk-size`; `chunk_size` is read the same), plus
/// `csv` for the argument. Relative paths resolve against the job file's directory, so a job file and its
/// CSV can move together. Unknown keys are an error naming the key and the file: a typo must not silently
/// send a campaign with a default.
struct JobFile: Equatable {
    /// The file, as given.
    var path: String
    /// String values by key (paths already resolved).
    var strings: [String: String] = [:]
    /// Integer values by key.
    var integers: [String: Int] = [:]
    /// Boolean values by key.
    var flags: [String: Bool] = [:]

    enum Kind { case string, path, integer, flag }

    /// Every key a job file may hold, and its type.
    static let keys: [String: Kind] = [
        "csv": .path, "sender": .string, "message": .string, "message-file": .path, "country": .string,
        "phone-column": .string, "delimiter": .string, "suppress": .path, "base-url": .string, "state": .path,
        "chunk-size": .integer, "max-rate": .string, "job": .string, "dry-run": .flag, "allow-changed-input": .flag,
        "max-errors": .integer, "max-attempts": .integer, "log-format": .string, "quiet": .flag, "verbose": .flag,
        "request-timeout": .integer, "settle": .integer, "allow-insecure-http": .flag, "lease": .integer,
        "allow-resend": .flag, "resend-window": .integer,
        "send-window": .string, "send-days": .string, "not-before": .string, "not-after": .string, "number-types": .string,
    ]

    /// A problem with a job file, naming the file (and the key).
    struct Problem: Error, CustomStringConvertible {
        var description: String
        /// 66 when the file cannot be read, else 64.
        var exitStatus: ExitStatus = .usage
    }

    /// Loads a job file for a command's `validate()`: a usage error for bad content, exit 66 when unreadable.
    static func loadForCommand(path: String) throws -> JobFile {
        do { return try load(path: path) } catch let problem as Problem {
            guard problem.exitStatus == .usage else {
                printError(problem.description)
                throw problem.exitStatus.exitCode
            }
            throw ValidationError(problem.description)
        }
    }

    /// Reads and checks a job file.
    static func load(path: String) throws -> JobFile {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext == "toml" else {
            throw Problem(description: "\(path): job files are TOML (.toml); see jobs/march-promo.toml")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem(description: "\(path): cannot read the job file (missing or unreadable)", exitStatus: .noInput)
        }
        return try parse(text, path: path)
    }

    /// Parses job-file text; `path` names the file in errors and anchors relative paths.
    static func parse(_ text: String, path: String) throws -> JobFile {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw Problem(description: "\(path):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var file = JobFile(path: path)
        for rawKey in table.keys.sorted() {
            let key = rawKey.replacingOccurrences(of: "_", with: "-")
            guard let kind = keys[key], let value = table[rawKey] else {
                throw Problem(description: "\(path): unknown key \"\(rawKey)\" (known keys: \(keys.keys.sorted().joined(separator: ", ")))")
            }
            switch kind {
            case .string, .path:
                guard let string = value.string else { throw Problem(description: "\(path): \"\(rawKey)\" must be a string") }
                if key == "log-format", LogFormat(rawValue: string) == nil {
                    throw Problem(description: "\(path): \"\(rawKey)\" must be \"text\" or \"json\"")
                }
                if key == "delimiter", CSVDelimiter(argument: string) == nil {
                    let choices = CSVDelimiter.allValueStrings.map { "\"\($0)\"" }.joined(separator: ", ")
                    throw Problem(description: "\(path): \"\(rawKey)\" is \"\(string)\"; it must be one of \(choices)")
                }
                file.strings[key] = kind == .path ? resolve(string, against: directory) : string
            case .integer:
                guard let int = value.int else { throw Problem(description: "\(path): \"\(rawKey)\" must be an integer") }
                file.integers[key] = int
            case .flag:
                guard let bool = value.bool else { throw Problem(description: "\(path): \"\(rawKey)\" must be true or false") }
                file.flags[key] = bool
            }
        }
        return file
    }

    /// `path` relative to `directory` unless absolute (or `~/…`), or a URL (`state = "postgres://…"`).
    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") || path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        if directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }
}
