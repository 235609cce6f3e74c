#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import Recipients

/// Finds, in bounded memory, the rows whose number an earlier usable row already has (first row wins).
///
/// The (number, row) pairs of the usable rows go through an external sort (`PairSorter`, on disk beyond
/// a bounded run); within one number the smallest row wins and every other row is a duplicate. The
/// duplicates are sorted again by row, so that a pass over the file meets them in file order. Costs one
/// more read and classification of the file: `validate` uses it for its report (`DuplicateRows`), and
/// the ingest's reading ahead uses `duplicatesByRow` for a rest too large to settle segment by segment.
enum DuplicateFinder {
    /// (row, first row with the same number) of every duplicate in the file, ordered by row.
    static func prepass(
        path: String, delimiter: UInt8?, classifier: RecipientClassifier, runCapacity: Int
    ) throws -> PairSorter {
        let byNumber = PairSorter(runCapacity: runCapacity)
        let reader = try CSVReader(path: path, delimiter: delimiter)
        defer { reader.close() }
        let usable = try UsableNumber(header: reader.header, classifier: classifier)
        while let record = try reader.next() {
            if let number = usable.number(of: record) { try byNumber.add(number, UInt64(record.dataRow)) }
        }
        return try duplicatesByRow(byNumber, runCapacity: runCapacity)
    }

    /// Reads `byNumber` (number → row) in order and returns its duplicates ordered by row: key = the
    /// duplicate's row, value = the row it repeats.
    static func duplicatesByRow(_ byNumber: PairSorter, runCapacity: Int) throws(PairSorterError) -> PairSorter {
        let byRow = PairSorter(runCapacity: max(2, runCapacity / 8))
        var current: UInt64 = 0, first: UInt64 = 0, started = false
        while let pair = try byNumber.next() {
            if started && pair.key == current {
                // The same row twice (never expected) is not its own duplicate.
                if pair.value != first { try byRow.add(pair.value, first) }
            } else {
                current = pair.key
                first = pair.value
                started = true
            }
        }
        return byRow
    }
}

/// The rows of a CSV that repeat an earlier usable row's number, in row order, found in bounded memory.
///
/// `validate` walks it in step with its own pass over the file, so it reports duplicates exactly as `run`
/// stores them (same classifier, same first-row-wins rule, same external sort) without holding every
/// number in memory.
public final class DuplicateRows {
    private let sorter: PairSorter

    /// Finds the duplicates of the file at `path` (one full read of the file).
    public init(path: String, delimiter: UInt8?, classifier: RecipientClassifier) throws {
        sorter = try DuplicateFinder.prepass(path: path, delimiter: delimiter, classifier: classifier, runCapacity: 1 << 20)
    }

    /// The next duplicate: its data row and the data row it repeats; nil at the end.
    public func next() throws -> (row: Int, firstRow: Int)? {
        guard let pair = try sorter.next() else { return nil }
        return (Int(pair.key), Int(pair.value))
    }
}

/// The number of a row the ingest will find usable (valid, and its text renders), for the duplicate
/// search that reads the file apart from the ingest (`DuplicateFinder`, `DuplicateLookahead`).
struct UsableNumber {
    let classifier: RecipientClassifier
    /// The classifier without the message.
    let phoneOnly: RecipientClassifier
    let placeholders: [Int]

    init(header: [String], classifier: RecipientClassifier) throws {
        self.classifier = classifier
        phoneOnly = try RecipientClassifier(
            header: header, phoneColumn: header[classifier.phoneColumn], defaultRegion: classifier.defaultRegion,
            message: nil, policy: classifier.policy)
        placeholders = classifier.template?.placeholderColumns ?? []
    }

    /// The row's E.164 digits when the row is usable, else nil.
    ///
    /// Rendering the text only to learn whether it renders costs as much as validating the number: a row
    /// whose placeholder cells each hold a visible ASCII character cannot fail to render, so only the
    /// others go through the full classifier.
    func number(of record: CSVRecord) -> UInt64? {
        let c = phoneOnly.classify(record)
        guard c.isValid, let e164 = c.e164?.digits else { return nil }
        let renders = placeholders.allSatisfy { index in
            index < record.fields.count && record.fields[index].utf8.contains { $0 > 0x20 && $0 < 0x7F }
        }
        if renders { return e164 }
        let full = classifier.classify(record)
        guard full.isValid else { return nil }
        return full.e164?.digits
    }
}
