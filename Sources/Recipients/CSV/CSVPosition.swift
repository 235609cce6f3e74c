/// A resume point in a CSV file: the exact place just after a record.
///
/// Persist it (it is `Codable`) after each record you have fully processed; after a crash, pass it to
/// `CSVReader(path:resumeAt:)` and reading continues with the next record, with line and row numbers intact,
/// without re-reading anything before it.
public struct CSVPosition: Sendable, Equatable, Codable {
    /// Byte offset in the file of the first byte not yet consumed (just after the record's line end).
    public var byteOffset: Int64
    /// 1-based physical line number of the byte at `byteOffset` (the line the next record starts on,
    /// unless blank lines come first).
    public var line: Int
    /// Number of data rows returned so far (header and blank lines excluded, rows with problems included).
    public var dataRow: Int

    /// Creates a position from its three coordinates.
    ///
    /// Normally you only store and restore positions the reader gave you.
    public init(byteOffset: Int64, line: Int, dataRow: Int) {
        self.byteOffset = byteOffset
        self.line = line
        self.dataRow = dataRow
    }
}
