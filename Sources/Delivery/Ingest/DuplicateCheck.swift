import Checkpoint
import Recipients

/// Decides, batch by batch in file order, whether a usable row repeats the number of an earlier usable row
/// (the first row wins), in bounded memory, so that ingest stores every row once with its final status.
///
/// Most files are checked in the one pass that stores them, against a hash table of the numbers seen
/// (`NumberTable`, 12 bytes a slot, sized from the bytes read so far and the file's size). Its size is
/// capped (`maxSlots`: 18 MB by default, about 1.1 M distinct numbers). When a file has more, the check
/// switches, at the batch where the table fills, to a method that needs no memory per number: the table's
/// numbers go to sorted runs on disk, and a thread of its own reads the rest of the file ahead of the
/// ingest and settles it a segment at a time against those runs (`DuplicateLookahead`). Both methods give
/// the same answers; the switch costs CPU (the rest of the file is read twice, at once), not memory.
final class DuplicateCheck {
    /// The file being read, for the reading ahead after a switch.
    struct Source {
        var path: String
        var delimiter: UInt8
        /// Which rows are usable, and their numbers, as the ingest decides.
        var usable: UsableNumber
        /// The file as the ingest opened it: the reading ahead refuses any other (replaced, edited, grown).
        var identity: CSVFileIdentity
        /// The file's size in bytes, for the table's size.
        var size: Int64
        /// Where data rows start.
        var dataStart: Int64

        /// The distinct numbers to expect in the whole file, with a 10 % margin, from `seen` of them in the
        /// data before byte `offset`: the size the table should have.
        func expectedNumbers(seen: Int, upTo offset: Int64) -> Double {
            let read = max(1, offset - dataStart)
            let whole = max(read, size - dataStart)
            return Double(seen) * Double(whole) / Double(read) * 1.1
        }
    }

    private enum Method {
        /// One pass against a table of the numbers seen.
        case table(NumberTable)
        /// The table filled while seeding from the state: numbers collect in sorted runs until `start`.
        case collecting(PairRunBuilder)
        /// The rest of the file is settled by a thread reading ahead.
        case lookahead(DuplicateLookahead)
    }

    let source: Source
    /// The table's largest size, in slots.
    let maxSlots: Int
    /// Usable rows per segment of the lookahead, and pairs per sorted run, after a switch.
    let runCapacity: Int
    /// Segments the rest may take at most (estimated from the bytes per row so far) to be settled segment
    /// by segment; a larger rest goes through one external sort (`DuplicateLookahead.readWhole`). 96 of
    /// 256 k: about 25 M rows after the switch, where the segments' merge passes (which grow with the
    /// square of the rest) would start to cost more than the one sort that keeps the ingest waiting.
    let maxSegments: Int
    private var method: Method

    /// Slots of a new table, before the file's density is known.
    static let initialSlots = 1 << 16

    /// Creates a check. A resumed ingest passes the numbers it will `seed` from the state and the byte
    /// offset where reading resumes, so the table is sized for the whole file at once.
    init(
        source: Source, maxSlots: Int = 1_500_000, runCapacity: Int = 1 << 18, maxSegments: Int = 96, seeded: Int = 0,
        resumeAt: Int64? = nil
    ) {
        self.source = source
        self.maxSlots = max(16, maxSlots)
        self.runCapacity = runCapacity
        self.maxSegments = maxSegments
        var wanted = min(Self.initialSlots, self.maxSlots / 2)
        if seeded > 0 {
            let expected = source.expectedNumbers(seen: seeded, upTo: resumeAt ?? source.size)
            wanted = max(seeded * 4 / 3 + 1, min(self.maxSlots, Int(expected * 4 / 3) + 1))
        }
        method = wanted <= self.maxSlots
            ? .table(NumberTable(capacity: wanted)) : .collecting(PairRunBuilder(runCapacity: runCapacity))
    }

    /// True while the one-pass table is in use.
    var isOnePass: Bool { if case .table = method { true } else { false } }

    /// Records a usable row stored by an earlier run (call in row order, before `start`).
    func seed(_ e164: UInt64, row: Int) throws {
        if case .table(let table) = method {
            if table.count < table.limit && row <= Int(UInt32.max) {
                _ = table.firstRow(of: e164, orInsert: row)
                return
            }
            method = .collecting(try spill(table))
        }
        guard case .collecting(let runs) = method else { preconditionFailure("seed after start") }
        try runs.add(e164, UInt64(row))
    }

    /// Ends seeding: reading continues at `position` (a record's start).
    func start(at position: CSVPosition) throws {
        if case .collecting(let runs) = method { method = try lookahead(runs, from: position) }
    }

    /// Marks the usable rows of `batch` (consecutive rows of the file, the first starting at
    /// `batchStart`, in file order) that repeat an earlier usable row's number: status `duplicate`, the
    /// first row in the reason. Batches must come in file order.
    ///
    /// A batch at a time rather than a row at a time: each new number costs a cache miss in a table of
    /// megabytes, and a tight loop over a batch lets the processor wait for many of them at once (measured:
    /// the row-at-a-time check inside the reading loop was a sixth of the reading thread's time).
    func markDuplicates(in batch: inout [IngestRow], batchStart: CSVPosition) throws {
        let usable = batch.withUnsafeBufferPointer { rows in rows.reduce(0) { $0 + ($1.status == .pending ? 1 : 0) } }
        if case .table(let table) = method, table.count + usable > table.limit || batch.last.map({ $0.row > Int(UInt32.max) }) == true {
            method = try outgrow(table, adding: usable, at: batchStart)
        }
        if case .collecting(let runs) = method {
            // Only after `outgrow` gave up the table (released by now): read the rest of the file ahead.
            method = try lookahead(runs, from: batchStart)
        }
        // Through a buffer pointer: reading a field of an array element would copy the whole row.
        switch method {
        case .table(let table):
            batch.withUnsafeMutableBufferPointer { rows in
                for i in rows.indices where rows[i].status == .pending {
                    guard let e164 = rows[i].e164, let first = table.firstRow(of: e164, orInsert: rows[i].row) else { continue }
                    rows[i].markDuplicate(of: first)
                }
            }
        case .lookahead(let lookahead):
            try batch.withUnsafeMutableBufferPointer { rows in
                for i in rows.indices where rows[i].status == .pending {
                    guard let first = try lookahead.firstRow(ofDuplicate: rows[i].row) else { continue }
                    rows[i].markDuplicate(of: first)
                }
            }
        case .collecting:
            preconditionFailure("unreachable: started above")
        }
    }

    /// Stops reading ahead, if it started (when the ingest ends early).
    func close() {
        if case .lookahead(let lookahead) = method { lookahead.stop() }
    }

    /// The table cannot take `adding` more numbers at `recordStart`: a larger one if the memory cap allows,
    /// else its numbers go to sorted runs.
    private func outgrow(_ table: NumberTable, adding: Int, at recordStart: CSVPosition) throws -> Method {
        let expected = max(Double(table.count + adding), source.expectedNumbers(seen: table.count, upTo: recordStart.byteOffset))
        let slots = min(maxSlots, max(table.capacity * 2, Int(expected * 4 / 3) + 1))
        // Both tables are alive while copying: grow only while that stays within the cap.
        if slots > table.capacity && table.capacity + slots <= maxSlots + maxSlots / 4
            && (table.count + adding) * 4 <= slots * 3 && recordStart.dataRow + adding < Int(UInt32.max)
        {
            return .table(table.resized(to: slots))
        }
        return .collecting(try spill(table))
    }

    /// Moves the table's numbers into sorted runs (small ones, so the table and a run are never both large).
    private func spill(_ table: NumberTable) throws -> PairRunBuilder {
        let runs = PairRunBuilder(runCapacity: min(runCapacity, 1 << 16))
        try table.forEach { number, row in try runs.add(number, UInt64(row)) }
        return runs
    }

    /// Starts reading the file ahead from `position`, against the runs of the numbers before it.
    private func lookahead(_ runs: PairRunBuilder, from position: CSVPosition) throws -> Method {
        let read = Double(position.byteOffset - source.dataStart)
        let restRows = position.dataRow > 0 && read > 0
            ? Double(source.size - position.byteOffset) / (read / Double(position.dataRow)) : 0
        return .lookahead(DuplicateLookahead(
            source: source, from: position, earlier: try runs.finish(), segmentRows: runCapacity,
            wholeRest: restRows > Double(runCapacity) * Double(maxSegments)))
    }
}

extension IngestRow {
    /// Marks a usable row as repeating `first`'s number.
    mutating func markDuplicate(of first: Int) {
        status = .duplicate
        reason = "duplicate of row \(first) (+\(e164.map(String.init) ?? "?"))"
    }
}
