#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Recipients

/// Finds the duplicates of a file's rows from a given row on, on a thread of its own that reads the file
/// ahead of the ingest's reading thread, a segment of rows at a time, in bounded memory.
///
/// Used once a file has more distinct numbers than the duplicate check's table holds (`DuplicateCheck`).
/// The earlier design read the rest of the file a second time and sorted all its numbers before the
/// ingest could go on: at 10 M rows that stall was a third of the wall time while the writing thread sat
/// idle. Here a third thread reads ahead, and the two readings overlap with the database writes.
///
/// How a segment is settled (first row wins): its usable rows' (number, row) pairs are sorted by number;
/// each distinct number looks for an earlier row in every earlier run (sorted files of (number, first
/// row): the table's numbers, a resumed ingest's stored ones, and the new numbers of each earlier
/// segment) by one merge pass per run; a number found there makes all its rows in the segment duplicates
/// of the earliest row found, else its first row in the segment wins and the others repeat it. The
/// duplicates go to the reading thread ordered by row; the segment's new numbers become one more run.
/// Each segment reads every earlier run once, so the work grows with segments × distinct numbers: about
/// 160 M pairs read from the page cache at 10 M rows with the default segment of 256 k rows (1.5 s of
/// the lookahead thread's CPU), but the square of the size beyond: about 20 s of its CPU at 30 M rows.
/// So a rest estimated at more than `DuplicateCheck.maxSegments` segments (about 25 M rows) is settled
/// by one external sort instead (`readWhole`), which the ingest waits for, as it did before segments.
///
/// The file must stay the same: the thread opens it again, so it checks that the file it opened is the
/// one the ingest opened, and still is at its end; a row the ingest reads past that end means the file
/// grew. Either throws `CSVFileError` `.changedWhileRead` (else its answers would belong to other rows).
///
/// Memory: one segment's pairs (16 bytes each) and its sort, 8 bytes per distinct number of the segment,
/// one read block, and the duplicates of at most four segments (the one being read, two handed over, one
/// waiting to be), a few MB unless nearly every row of the rest is a duplicate.
final class DuplicateLookahead {
    /// What the lookahead thread hands over.
    private enum Event: Sendable {
        /// The duplicates of the rows up to `throughRow` (after the previous segment's): key = row, value =
        /// the first row with its number, ordered by row. `last`: the file ends at `throughRow`.
        case segment(Handoff<[SortPair]>, throughRow: Int, last: Bool)
        case failed(ReadFailure)
    }

    private let channel = BatchChannel<Event>(capacity: 2)
    private let path: String
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false
    private var duplicates: [SortPair] = []
    private var index = 0
    /// The last row the current segment covers (-1 before the first).
    private var throughRow = -1
    /// True once the last segment came: no row after `throughRow` exists in the file that was read.
    private var complete = false

    /// Starts reading `source` at `position` (a record's start). `earlier`: sorted runs of (number, first
    /// row) of every usable row before `position`. `segmentRows`: usable rows per segment. `wholeRest`:
    /// settle the rest in one external sort instead (see `readWhole`).
    init(source: DuplicateCheck.Source, from position: CSVPosition, earlier: [PairRun], segmentRows: Int, wholeRest: Bool = false) {
        path = source.path
        let work = Handoff(value: (source, earlier))
        let channel = channel
        let finished = finished
        let rows = max(1, segmentRows)
        Thread {
            defer { finished.signal() }
            do {
                if wholeRest {
                    try Self.readWhole(work.value.0, from: position, earlier: work.value.1, runCapacity: rows, into: channel)
                } else {
                    try Self.read(work.value.0, from: position, earlier: work.value.1, segmentRows: rows, into: channel)
                }
            } catch let error as CSVFileError {
                channel.send(.failed(.csv(error)))
            } catch let error as PairSorterError {
                channel.send(.failed(.sorting(error)))
            } catch {
                // Unreachable: reading throws CSVFileError, settling PairSorterError.
                channel.send(.failed(.csv(CSVFileError(path: work.value.0.path, kind: .readFailed(errno: EIO)))))
            }
        }.start()
    }

    deinit { stop() }

    /// The first row with `row`'s number when `row` is a duplicate, else nil. Call for the usable rows in
    /// increasing row order, from the starting position on.
    func firstRow(ofDuplicate row: Int) throws -> Int? {
        while row > throughRow {
            if complete { throw CSVFileError(path: path, kind: .changedWhileRead) }
            switch channel.receive() {
            case .segment(let list, let through, let last):
                duplicates = list.value
                index = 0
                throughRow = through
                complete = last
            case .failed(.csv(let error)):
                throw error
            case .failed(.sorting(let error)):
                throw error
            case nil:
                // Only `stop` closes the channel, and nothing asks after it.
                throw CSVFileError(path: path, kind: .changedWhileRead)
            }
        }
        let key = UInt64(row)
        while index < duplicates.count && duplicates[index].key < key { index += 1 }
        guard index < duplicates.count, duplicates[index].key == key else { return nil }
        return Int(duplicates[index].value)
    }

    /// Stops the thread (when the ingest ends early) and waits for it: within about 4,000 rows, or one
    /// earlier run's merge.
    func stop() {
        guard !stopped else { return }
        stopped = true
        channel.close()
        finished.wait()
    }

    /// The thread's work: reads the file from `position` and sends each segment's duplicates.
    private static func read(
        _ source: DuplicateCheck.Source, from position: CSVPosition, earlier: [PairRun], segmentRows: Int,
        into channel: BatchChannel<Event>
    ) throws {
        let reader = try open(source, at: position)
        defer { reader.close() }
        let usable = source.usable
        let stopped = { channel.isClosed }
        var runs = earlier
        var segment: [SortPair] = []
        segment.reserveCapacity(segmentRows)
        var lastRow = position.dataRow
        while let record = try reader.next() {
            lastRow = record.dataRow
            if let number = usable.number(of: record) { segment.append(SortPair(key: number, value: UInt64(record.dataRow))) }
            if segment.count >= segmentRows {
                let duplicates = try settle(&segment, against: &runs, stopped: stopped)
                guard channel.send(.segment(Handoff(value: duplicates), throughRow: lastRow, last: false)) else { return }
            } else if lastRow & 4095 == 0 && stopped() {
                return
            }
        }
        try checkUnchanged(reader, source)
        let duplicates = try settle(&segment, against: &runs, stopped: stopped)
        channel.send(.segment(Handoff(value: duplicates), throughRow: lastRow, last: true))
    }

    /// The CSV opened again at `position`, refused unless it is the file the ingest opened.
    private static func open(_ source: DuplicateCheck.Source, at position: CSVPosition) throws(CSVFileError) -> CSVReader {
        let reader = try CSVReader(path: source.path, delimiter: source.delimiter, resumeAt: position)
        guard reader.fileIdentity == source.identity else {
            reader.close()
            throw CSVFileError(path: source.path, kind: .changedWhileRead)
        }
        return reader
    }

    /// At the end of the file: refused if it was written to since the ingest opened it.
    private static func checkUnchanged(_ reader: CSVReader, _ source: DuplicateCheck.Source) throws(CSVFileError) {
        guard reader.currentIdentity() == source.identity else { throw CSVFileError(path: source.path, kind: .changedWhileRead) }
    }

    /// For a rest so large that segment by segment would cost more (its work grows with the square of the
    /// rest): every number of the earlier runs and of the rest goes through one external sort, whose
    /// duplicates are sorted again by row and handed over in blocks. Linear in the rest, but the ingest
    /// waits until the whole rest is read and sorted (the design before the segments).
    private static func readWhole(
        _ source: DuplicateCheck.Source, from position: CSVPosition, earlier: [PairRun], runCapacity: Int,
        into channel: BatchChannel<Event>
    ) throws {
        let reader = try open(source, at: position)
        defer { reader.close() }
        let byNumber = PairSorter(runCapacity: runCapacity)
        for run in earlier { try run.forEach { pair throws(PairSorterError) in try byNumber.add(pair) } }
        var lastRow = position.dataRow
        while let record = try reader.next() {
            lastRow = record.dataRow
            if let number = source.usable.number(of: record) { try byNumber.add(number, UInt64(record.dataRow)) }
            if lastRow & 4095 == 0 && channel.isClosed { return }
        }
        try checkUnchanged(reader, source)
        let byRow = try DuplicateFinder.duplicatesByRow(byNumber, runCapacity: runCapacity)
        var block: [SortPair] = []
        while let pair = try byRow.next() {
            block.append(pair)
            if block.count == 1 << 16 {
                guard channel.send(.segment(Handoff(value: block), throughRow: Int(pair.key), last: false)) else { return }
                block = []
            }
        }
        channel.send(.segment(Handoff(value: block), throughRow: lastRow, last: true))
    }

    /// The duplicates of `segment` (emptied) ordered by row; its new numbers are appended to `runs`.
    /// `stopped`, polled between runs: when it says so, the answer is incomplete and must not be used.
    static func settle(
        _ segment: inout [SortPair], against runs: inout [PairRun], stopped: () -> Bool = { false }
    ) throws(PairSorterError) -> [SortPair] {
        segment.sort()
        var duplicates: [SortPair] = []
        let firsts = try segment.withUnsafeMutableBufferPointer { pairs throws(PairSorterError) in
            // The earliest row of each distinct number (in order) in an earlier run; UInt64.max: none.
            var distinct = 0
            for k in pairs.indices where k == 0 || pairs[k].key != pairs[k - 1].key { distinct += 1 }
            var earliest = [UInt64](repeating: .max, count: distinct)
            try earliest.withUnsafeMutableBufferPointer { earliest throws(PairSorterError) in
                for run in runs where !stopped() { try run.findEarliest(of: UnsafeBufferPointer(pairs), into: earliest) }
            }
            // The duplicates; the numbers seen first here are moved to the front, for the next run.
            var firsts = 0, n = -1
            var first: UInt64 = 0, previous: UInt64? = nil
            for k in pairs.indices {
                let pair = pairs[k]
                if pair.key != previous {
                    previous = pair.key
                    n += 1
                    if earliest[n] != .max {
                        first = earliest[n]
                    } else {
                        first = pair.value
                        pairs[firsts] = pair
                        firsts += 1
                        continue
                    }
                }
                // The same row twice (never expected) is not its own duplicate.
                if pair.value != first { duplicates.append(SortPair(key: pair.value, value: first)) }
            }
            return firsts
        }
        if firsts > 0 {
            runs.append(try segment.withUnsafeBufferPointer { pairs throws(PairSorterError) in
                try PairRun(sorted: UnsafeBufferPointer(rebasing: pairs[0..<firsts]))
            })
        }
        segment.removeAll(keepingCapacity: true)
        duplicates.sort()
        return duplicates
    }
}

/// A sorted run of (key, value) pairs in an unlinked temporary file, read from its start as often as needed.
final class PairRun {
    private let file: UnsafeMutablePointer<FILE>
    /// Pairs in the run.
    let count: Int

    /// Pairs read per block.
    static let blockSize = 4096

    /// Writes `pairs` (sorted by the caller) to a new temporary file.
    init(sorted pairs: UnsafeBufferPointer<SortPair>) throws(PairSorterError) {
        let file = try temporaryFile()
        guard fwrite(pairs.baseAddress, MemoryLayout<SortPair>.stride, pairs.count, file) == pairs.count, fflush(file) == 0 else {
            let code = errno
            fclose(file)
            throw PairSorterError(errno: code)
        }
        self.file = file
        count = pairs.count
    }

    deinit { fclose(file) }

    /// Reads the block of pairs starting at pair `index` into `buffer`; returns how many it holds.
    private func readBlock(into buffer: UnsafeMutableBufferPointer<SortPair>, from index: Int) throws(PairSorterError) -> Int {
        let want = min(buffer.count, count - index)
        let stride = MemoryLayout<SortPair>.stride
        let bytes = pread(fileno(file), buffer.baseAddress, want * stride, off_t(index * stride))
        guard bytes == want * stride else { throw PairSorterError(errno: bytes < 0 ? errno : EIO) }
        return want
    }

    /// Calls `body` with every pair, in order.
    func forEach(_ body: (SortPair) throws(PairSorterError) -> Void) throws(PairSorterError) {
        let buffer = UnsafeMutableBufferPointer<SortPair>.allocate(capacity: Self.blockSize)
        defer { buffer.deallocate() }
        var done = 0
        while done < count {
            let want = try readBlock(into: buffer, from: done)
            done += want
            for j in 0..<want { try body(buffer[j]) }
        }
    }

    /// For each distinct key of `pairs` (sorted), in order, lowers `earliest` to the smallest value the run
    /// has for that key: one merge pass over the run, a block at a time, ended once past the last key.
    ///
    /// Plain loops over buffer pointers, no closure: this is the lookahead's inner loop (every earlier
    /// number, once per segment), and a first version through a closure over captured counters cost
    /// five times as much.
    func findEarliest(of pairs: UnsafeBufferPointer<SortPair>, into earliest: UnsafeMutableBufferPointer<UInt64>) throws(PairSorterError) {
        guard !pairs.isEmpty else { return }
        let buffer = UnsafeMutableBufferPointer<SortPair>.allocate(capacity: Self.blockSize)
        defer { buffer.deallocate() }
        var k = 0, n = 0, done = 0
        var key = pairs[0].key
        while done < count {
            let want = try readBlock(into: buffer, from: done)
            done += want
            for j in 0..<want {
                let pair = buffer[j]
                while key < pair.key {
                    // The next distinct key of the segment.
                    repeat { k += 1 } while k < pairs.count && pairs[k].key == key
                    if k == pairs.count { return }
                    key = pairs[k].key
                    n += 1
                }
                if key == pair.key && pair.value < earliest[n] { earliest[n] = pair.value }
            }
        }
    }
}

/// Collects (number, row) pairs into sorted runs of at most `runCapacity` (the table's numbers when it
/// fills, or a resumed ingest's stored ones), for `DuplicateLookahead`.
final class PairRunBuilder {
    private let runCapacity: Int
    private var pairs: [SortPair] = []
    private(set) var runs: [PairRun] = []

    init(runCapacity: Int) { self.runCapacity = max(2, runCapacity) }

    func add(_ key: UInt64, _ value: UInt64) throws(PairSorterError) {
        if pairs.count >= runCapacity { try flush() }
        if pairs.capacity < runCapacity { pairs.reserveCapacity(runCapacity) }
        pairs.append(SortPair(key: key, value: value))
    }

    /// The runs, the last one included.
    func finish() throws(PairSorterError) -> [PairRun] {
        try flush()
        pairs = []
        return runs
    }

    private func flush() throws(PairSorterError) {
        guard !pairs.isEmpty else { return }
        pairs.sort()
        runs.append(try pairs.withUnsafeBufferPointer { pairs throws(PairSorterError) in try PairRun(sorted: pairs) })
        pairs.removeAll(keepingCapacity: true)
    }
}
