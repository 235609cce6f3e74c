/// Why a CSV record could not be read cleanly.
///
/// Column numbers are 1-based, as a spreadsheet user counts them. Only the first problem found in a row is
/// reported (scan problems first, then the field count, then UTF-8), because later ones are usually consequences.
public enum CSVRowProblem: Sendable, Equatable, Hashable {
    /// The record has a different number of fields than the header.
    case fieldCount(expected: Int, found: Int)
    /// The field holds bytes that are not valid UTF-8 (the field text has U+FFFD in their place).
    case invalidUTF8(column: Int)
    /// The field holds a NUL byte (removed from the field text).
    case nulByte(column: Int)
    /// The field is longer than the limit; its text is cut at the limit and the rest of it skipped.
    case fieldTooLong(column: Int, limit: Int)
    /// A quoted field was still open at the end of the file.
    ///
    /// The field keeps its text up to the end of the line where its first line break was, and reading
    /// resumes on the next line (a stray opening quote must not swallow the rest of the file).
    case unterminatedQuote

    /// Stable snake_case identifier, for machine-readable reports and counting by kind.
    public var code: String {
        switch self {
        case .fieldCount: "field_count"
        case .invalidUTF8: "invalid_utf8"
        case .nulByte: "nul_byte"
        case .fieldTooLong: "field_too_long"
        case .unterminatedQuote: "unterminated_quote"
        }
    }

    /// Human-readable explanation, e.g. "expected 3 fields, found 4".
    public var reason: String {
        switch self {
        case let .fieldCount(expected, found):
            "expected \(expected) field\(expected == 1 ? "" : "s"), found \(found)"
        case let .invalidUTF8(column):
            "column \(column) is not valid UTF-8 (is the file saved as UTF-8?)"
        case let .nulByte(column):
            "column \(column) contains a NUL byte"
        case let .fieldTooLong(column, limit):
            "column \(column) is longer than \(limit) bytes"
        case .unterminatedQuote:
            "a quoted field is never closed (read up to the end of its line)"
        }
    }
}
