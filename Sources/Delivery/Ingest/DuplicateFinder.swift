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
/// more read and classification of the file (or of its rest): `DuplicateCheck` uses it only for files
/// with more numbers than its hash table holds, and `validate` for its report.
enum DuplicateFinder {
    /// (row, first row with the same number) of every duplicate in the file, ordered by row.
    static func prepass(
        path: String, delimiter: UInt8?, classifier: RecipientClassifier, runCapacity: Int
    ) throws -> PairSorter {
        let byNumber = PairSorter(runCapacity: runCapacity)
        try collect(path: path, delimiter: delimiter, classifier: classifier, from: nil, into: byNumber)
        return try duplicatesByRow(byNumber, runCapacity: runCapacity)
    }

    /// Adds the (number, row) pair of every usable row from `start` (a record's start; nil: the first
    /// data row) to the end of the file.
    static func collect(
        path: String, delimiter: UInt8?, classifier: RecipientClassifier, from start: CSVPosition?, into byNumber: PairSorter
    ) throws {
        let reader = try CSVReader(path: path, delimiter: delimiter, resumeAt: start)
        defer { reader.close() }
        // Rendering the text only to learn whether it renders costs as much as validating the number: a row
        // whose placeholder cells each hold a visible ASCII character cannot fail to render, so only the
        // others go through the full classifier.
        let phoneOnly = try RecipientClassifier(
            header: reader.header, phoneColumn: reader.header[classifier.phoneColumn],
            defaultRegion: classifier.defaultRegion, message: nil, policy: classifier.policy)
        let placeholders = classifier.template?.placeholderColumns ?? []
        while let record = try reader.next() {
            let c = phoneOnly.classify(record)
            guard c.isValid, var e164 = c.e164?.digits else { continue }
            let renders = placeholders.allSatisfy { index in
                index < record.fields.count && record.fields[index].utf8.contains { $0 > 0x20 && $0 < 0x7F }
            }
            if !renders {
                let full = classifier.classify(record)
                guard full.isValid, let number = full.e164?.digits else { continue }
                e164 = number
            }
            try byNumber.add(e164, UInt64(record.dataRow))
        }
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

/// An external sort of (key, value) pairs in bounded memory, read back in (key, value) order.
///
/// Pairs collect in a run of at most `runCapacity` (16 bytes each); a full run is sorted and written to an
/// unlinked temporary file. Reading merges the spilled runs and the last, in-memory one.
final class PairSorter {
    struct Pair: Comparable {
        var key: UInt64
        var value: UInt64
        static func < (a: Pair, b: Pair) -> Bool { a.key != b.key ? a.key < b.key : a.value < b.value }
    }

    /// Pairs per run: the memory ceiling is 16 bytes times this. May change between `add`s.
    var runCapacity: Int
    private var run: [Pair] = []
    private var spilled: [RunReader] = []
    private var reading = false
    private var memoryIndex = 0

    init(runCapacity: Int) { self.runCapacity = max(2, runCapacity) }

    deinit { for run in spilled { fclose(run.file) } }

    /// Adds a pair (before the first `next`).
    func add(_ key: UInt64, _ value: UInt64) throws(PairSorterError) {
        precondition(!reading, "add after next")
        if run.count >= runCapacity { try spill() }
        // The whole run at once, never grown by doubling (which holds the old and the new buffer at once):
        // a large reservation is mapped lazily, so pages count only once pairs fill them.
        if run.capacity < runCapacity { run.reserveCapacity(runCapacity) }
        run.append(Pair(key: key, value: value))
    }

    private func spill() throws(PairSorterError) {
        run.sort()
        guard let file = tmpfile() else { throw PairSorterError(errno: errno) }
        let written = run.withUnsafeBufferPointer { fwrite($0.baseAddress, MemoryLayout<Pair>.stride, $0.count, file) }
        guard written == run.count, fflush(file) == 0 else {
            fclose(file)
            throw PairSorterError(errno: errno)
        }
        rewind(file)
        spilled.append(RunReader(file: file, remaining: run.count))
        run.removeAll(keepingCapacity: true)
    }

    /// The next pair in order, nil after the last.
    func next() throws(PairSorterError) -> Pair? {
        if !reading {
            run.sort()
            reading = true
        }
        // The smallest head among the runs (few runs: a linear scan).
        var best: Pair? = memoryIndex < run.count ? run[memoryIndex] : nil
        var source = -1
        for i in spilled.indices {
            if let head = try spilled[i].head(), best == nil || head < best! {
                best = head
                source = i
            }
        }
        if best != nil {
            if source >= 0 { spilled[source].index += 1 } else { memoryIndex += 1 }
        }
        return best
    }
}

/// Reads one sorted run back in blocks of 16 k pairs.
private struct RunReader {
    let file: UnsafeMutablePointer<FILE>
    var remaining: Int
    var buffer: [PairSorter.Pair] = []
    var index = 0

    init(file: UnsafeMutablePointer<FILE>, remaining: Int) {
        self.file = file
        self.remaining = remaining
    }

    mutating func head() throws(PairSorterError) -> PairSorter.Pair? {
        if index < buffer.count { return buffer[index] }
        guard remaining > 0 else { return nil }
        let want = min(remaining, 16_384)
        let file = self.file
        buffer = [PairSorter.Pair](unsafeUninitializedCapacity: want) { storage, count in
            count = fread(storage.baseAddress, MemoryLayout<PairSorter.Pair>.stride, want, file)
        }
        guard buffer.count == want else { throw PairSorterError(errno: errno) }
        remaining -= want
        index = 0
        return buffer[0]
    }
}

/// A temporary file for sorting could not be written or read back.
public struct PairSorterError: Error, Sendable, CustomStringConvertible {
    /// The C error.
    public var errno: Int32
    public var description: String {
        "cannot use a temporary file for sorting (to find duplicates or count texts; errno \(errno)); check TMPDIR and its free space"
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
