public import Recipients

/// The process exit codes, from sysexits(3) where one fits. Documented in the README.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The job is complete: every recipient is sent, invalid, duplicate, suppressed or rejected.
    case complete = 0
    /// Bad command line or configuration (EX_USAGE).
    case usage = 64
    /// The input's content is unusable: template names a missing column, the CSV changed (EX_DATAERR).
    /// Also: `--max-errors` reached.
    case dataError = 65
    /// The CSV (or suppression list) cannot be opened: missing, a directory, unreadable (EX_NOINPUT).
    case noInput = 66
    /// An internal error: please report it (EX_SOFTWARE).
    case software = 70
    /// The state file cannot be read or written (EX_IOERR).
    case ioError = 74
    /// Stopped early, nothing lost: run again later (retries exhausted, rate-limited, insufficient funds,
    /// interrupted, another run holds the job) (EX_TEMPFAIL).
    case runAgainLater = 75
    /// The API key was refused (401) or lacks a scope (403) (EX_NOPERM).
    case authentication = 77
}

extension ExitStatus {
    /// The exit code for a CSV that cannot be used: a path problem is "no input" (66), a file that is not
    /// a usable CSV (empty, header only, binary, a workbook, not UTF-8) is "data error" (65), a file that
    /// changed while it was read is "run again later" (75).
    public init(for error: CSVFileError) {
        switch error.kind {
        case .notFound, .isDirectory, .permissionDenied, .openFailed: self = .noInput
        case .readFailed: self = .ioError
        // The next cron tick finds the finished file (and compares it with the one the job began with).
        case .changedWhileRead: self = .runAgainLater
        case .invalidDelimiter: self = .usage
        case .empty, .headerOnly, .binary, .spreadsheetWorkbook, .utf16, .notUTF8, .malformedHeader, .invalidResumePosition:
            self = .dataError
        }
    }
}
