/// A problem with the CSV file as a whole: it cannot be opened, read, or is not a CSV file at all.
///
/// Thrown (not returned) because nothing can be ingested; the description names the file so it can be shown
/// to the operator as-is, e.g. "samples/x.csv: the file is empty".
public struct CSVFileError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong.
    ///
    /// Switch on it for exit codes or tailored hints; use `description` for the message.
    public enum Kind: Sendable, Equatable {
        /// No file at the path.
        case notFound
        /// The path is a directory.
        case isDirectory
        /// The file exists but may not be read.
        case permissionDenied
        /// `open(2)` failed for another reason (errno).
        case openFailed(errno: Int32)
        /// `read(2)` or `lseek(2)` failed (errno).
        case readFailed(errno: Int32)
        /// The file has no bytes, or only a BOM and blank lines.
        case empty
        /// The file has a header but no data rows.
        case headerOnly
        /// The file looks binary (NUL bytes in the header or many in the first block).
        case binary
        /// The file is a zip container such as an Excel `.xlsx` workbook.
        case spreadsheetWorkbook
        /// The file starts with a UTF-16 byte-order mark.
        case utf16
        /// The header, or many of the first lines, are not valid UTF-8 (likely Latin-1 / Windows-1252).
        ///
        /// `line` is the first offending physical line. A lone bad row further down is a row problem instead.
        case notUTF8(line: Int)
        /// The header row itself is malformed (reason given).
        case malformedHeader(String)
        /// The delimiter given is a quote or line-break byte.
        case invalidDelimiter(UInt8)
        /// The resume position is outside the file's data area.
        case invalidResumePosition(CSVPosition)
        /// The file was replaced, shortened, grown or rewritten while it was being read.
        case changedWhileRead
    }

    /// The path as given by the caller.
    public var path: String
    /// What went wrong.
    public var kind: Kind

    /// Creates an error for `path`.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// Stable snake_case identifier of the kind, for machine-readable output.
    public var code: String {
        switch kind {
        case .notFound: "not_found"
        case .isDirectory: "is_directory"
        case .permissionDenied: "permission_denied"
        case .openFailed: "open_failed"
        case .readFailed: "read_failed"
        case .empty: "empty"
        case .headerOnly: "header_only"
        case .binary: "binary"
        case .spreadsheetWorkbook: "spreadsheet_workbook"
        case .utf16: "utf16"
        case .notUTF8: "not_utf8"
        case .malformedHeader: "malformed_header"
        case .invalidDelimiter: "invalid_delimiter"
        case .invalidResumePosition: "invalid_resume_position"
        case .changedWhileRead: "changed_while_read"
        }
    }

    /// "PATH: message", ready to print.
    public var description: String { "\(path): \(message)" }

    /// The message without the path.
    public var message: String {
        switch kind {
        case .notFound: "no such file"
        case .isDirectory: "is a directory, not a CSV file"
        case .permissionDenied: "permission denied (cannot read the file)"
        case let .openFailed(code): "cannot open the file (\(CSVErrnoText.text(code)))"
        case let .readFailed(code): "cannot read the file (\(CSVErrnoText.text(code)))"
        case .empty: "the file is empty"
        case .headerOnly: "the file has a header row but no data rows"
        case .binary: "this is not a text CSV file (it contains NUL bytes; binary, or UTF-16 without a byte-order mark?)"
        case .spreadsheetWorkbook: "this is a spreadsheet workbook (.xlsx/.ods zip), not CSV: export it as CSV (UTF-8)"
        case .utf16: "the file is UTF-16 encoded: save it as CSV UTF-8"
        case let .notUTF8(line):
            "the text is not UTF-8 (line \(line) and others): save the file as \"CSV UTF-8\" (it looks like Latin-1 / Windows-1252)"
        case let .malformedHeader(reason): "the header row is malformed: \(reason)"
        case let .invalidDelimiter(byte): "\(byte) cannot be used as a delimiter (quote or line break)"
        case let .invalidResumePosition(position):
            "cannot resume at byte \(position.byteOffset) (line \(position.line), row \(position.dataRow)): not inside the file's data; has the file changed?"
        case .changedWhileRead:
            "the file changed while it was being read (replaced, edited or appended to): nothing after the last committed row was stored; run again once it is complete"
        }
    }
}
