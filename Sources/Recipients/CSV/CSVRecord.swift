/// One data record of a CSV file, possibly with a problem.
///
/// Row-level problems are values, not errors, so that one bad row never stops a million-row ingest and
/// every row can be reported with its line number.
public struct CSVRecord: Sendable, Equatable {
    /// 1-based physical line where the record starts (header is line 1 unless blank lines precede it).
    public var line: Int
    /// 1-based data row number (header and blank lines excluded; rows with problems are counted).
    public var dataRow: Int
    /// The fields; for rows with problems, whatever could be read (invalid UTF-8 repaired with U+FFFD).
    public var fields: [String]
    /// Why the row is not usable as-is, or `nil` for a clean row.
    public var problem: CSVRowProblem?

    /// Creates a record.
    ///
    /// Public so tests and other readers (e.g. an in-memory source) can build records too.
    public init(line: Int, dataRow: Int, fields: [String], problem: CSVRowProblem? = nil) {
        self.line = line
        self.dataRow = dataRow
        self.fields = fields
        self.problem = problem
    }

    /// The field at `index`, or `nil` when the row is too short.
    ///
    /// Rows with a wrong field count still reach callers, so index safely.
    public subscript(safe index: Int) -> String? {
        index >= 0 && index < fields.count ? fields[index] : nil
    }
}
