public import Checkpoint
import Foundation
public import Recipients

/// Reads a job's CSV into the state, resumably, then plans it.
///
/// Two threads: one reads, validates and renders rows (CSV → classifier → duplicates → suppression), the
/// other stores them (`IngestWriter`), a bounded channel of batches between them so memory stays flat.
/// Every row is stored once, with its final status. Rows are committed in batches together with the
/// reader position after them, so a run killed at any instant continues after the last committed row:
/// nothing is read into the state twice and nothing is skipped. Duplicates (first row wins among usable
/// rows) are found as rows are read (`DuplicateCheck`); a resumed ingest first gives the check the numbers
/// already stored. Chunks are not cut here: the sender cuts them as it needs them.
public struct Ingestor {
    /// Rows per commit: large enough to amortise the commit, small enough to lose little on a crash.
    public var batchSize = 5_000
    /// Slots of the duplicate check's hash table at most (12 bytes each): files with more distinct numbers
    /// than three quarters of this are checked by a thread reading ahead from where the table filled.
    public var duplicateTableSlots = 1_500_000
    /// Usable rows per segment (16 bytes each) when the duplicate check reads the file ahead
    /// (`DuplicateLookahead`), and pairs per sorted run of the numbers before that point.
    public var duplicateRunCapacity = 1 << 18
    /// Segments of `duplicateRunCapacity` the rest of a file may take at most to be read ahead segment by
    /// segment; a larger rest is settled by one external sort (`DuplicateCheck.maxSegments`).
    public var duplicateSegmentsAtMost = 96
    /// Text hashes sorted in memory before spilling (8 bytes each), when a personalised job counts the
    /// requests of its grouped texts (`TextGroupCounter`).
    public var textGroupRunCapacity = 1 << 17

    /// What the ingest found.
    public struct Summary: Sendable, Equatable {
        /// Data rows read in this call (0 when ingest had already finished).
        public var rowsRead: Int
        /// True when the file was read to its end and planned.
        public var planned: Bool
        /// Chunks planned.
        public var chunks: Int
        /// The job's counts right after planning, when this call read the whole file (else nil: ask the store).
        public var counts: JobCounts? = nil
        /// Rows by number type, when this call read the whole file (else nil: ask the store).
        public var numberTypes: [String: Int]? = nil
        /// Segment totals of the pending messages, when this call read the whole file and every text is GSM-7.
        public var messages: PlanCalculator.MessageStatistics? = nil
        /// False when the file had more distinct numbers than the duplicate check's table holds, so the rest
        /// of the file was also read by a thread ahead of the ingest (`DuplicateLookahead`).
        public var duplicatesInOnePass = true
    }

    /// Creates an ingestor.
    public init() {}

    /// Reads what is left of the job's CSV and plans it. `shouldStop` is polled between batches.
    public func run(
        store: any StateStore, job: Job, classifier makeClassifier: ([String]) throws -> RecipientClassifier,
        suppression: [UInt64] = [], shouldStop: () -> Bool = { false }
    ) throws -> Summary {
        guard job.phase == .ingesting else { return Summary(rowsRead: 0, planned: true, chunks: 0) }
        let settings = job.settings
        let resume = job.ingestOffset > 0
            ? CSVPosition(byteOffset: job.ingestOffset, line: job.ingestLine, dataRow: job.ingestRows) : nil
        let reader = try CSVReader(
            path: settings.csvPath, delimiter: settings.delimiter?.utf8.first, resumeAt: resume)
        if job.header.isEmpty { try store.setHeader(jobID: job.id, header: reader.header) }
        let classifier: RecipientClassifier
        do { classifier = try makeClassifier(reader.header) } catch {
            reader.close()
            throw error
        }
        try store.storeSuppression(jobID: job.id, numbers: suppression)
        let writer = try store.ingestWriter(
            jobID: job.id, kind: ChunkKind(personalised: classifier.isPersonalised), chunkSize: settings.chunkSize)
        // A job that groups texts, read in one go, counts its texts' requests while reading (a resumed one
        // asks the store: the rows of its earlier runs were not counted here).
        let textGroups = writer.groupsTexts && resume == nil ? TextGroupCounter(runCapacity: textGroupRunCapacity) : nil
        let duplicates: DuplicateCheck
        do {
            let source = DuplicateCheck.Source(
                path: settings.csvPath, delimiter: reader.delimiter,
                usable: try UsableNumber(header: reader.header, classifier: classifier), identity: reader.fileIdentity, size: reader.fileIdentity.size,
                dataStart: reader.dataStart.byteOffset)
            duplicates = DuplicateCheck(
                source: source, maxSlots: duplicateTableSlots, runCapacity: duplicateRunCapacity,
                maxSegments: duplicateSegmentsAtMost,
                seeded: resume == nil ? 0 : try store.usableRowCount(jobID: job.id), resumeAt: resume?.byteOffset)
            if resume != nil {
                try store.forEachUsableRow(jobID: job.id) { e164, row in try duplicates.seed(e164, row: row) }
            }
            try duplicates.start(at: reader.position)
        } catch {
            reader.close()
            throw error
        }

        let channel = BatchChannel<ReadEvent>(capacity: 2)
        let finished = DispatchSemaphore(value: 0)
        let reading = RowReader(
            reader: Handoff(value: reader), duplicates: Handoff(value: duplicates), classifier: classifier,
            suppressed: Set(suppression), batchSize: batchSize, textGroups: Handoff(value: textGroups), chunkSize: writer.chunkSize)
        Thread {
            reading.run(into: channel)
            finished.signal()
        }.start()
        defer {
            channel.close()
            finished.wait()
        }

        var read = 0
        while let event = channel.receive() {
            switch event {
            case .rows(let rows, let p):
                try writer.write(rows, offset: p.byteOffset, line: p.line, rowCount: p.dataRow)
                read += rows.count
                if shouldStop() { return Summary(rowsRead: read, planned: false, chunks: 0) }
            case .failed(.csv(let error)):
                throw error
            case .failed(.sorting(let error)):
                throw error
            case .end(let tally):
                let requests = try writer.complete(textGroups: tally.textGroups)
                var summary = Summary(rowsRead: read, planned: true, chunks: requests.total)
                summary.duplicatesInOnePass = duplicates.isOnePass
                if resume == nil {
                    summary.counts = JobCounts.planned(rows: writer.written, requests: requests)
                    if classifier.isPersonalised && tally.allGSM7 { summary.messages = tally.messages }
                    // Counted while reading: the summary needs no scan of a million rows for them.
                    summary.numberTypes = Dictionary(uniqueKeysWithValues: tally.types.enumerated().compactMap { code, count in
                        count > 0 ? PhoneNumberType(code: UInt8(code)).map { ($0.rawValue, count) } : nil
                    })
                }
                return summary
            }
        }
        // The reader never closes the channel before its last event; only a stop gets here.
        return Summary(rowsRead: read, planned: false, chunks: 0)
    }
}

/// What the reading thread hands to the writing one.
enum ReadEvent: Sendable {
    /// A batch of classified rows and the reader position after its last row.
    case rows([IngestRow], CSVPosition)
    /// The end of the file was reached; message statistics of the pending rows.
    case end(ReadTally)
    /// Reading failed.
    case failed(ReadFailure)
}

/// Why the reading thread stopped early.
enum ReadFailure: Sendable {
    /// The CSV could not be read further.
    case csv(CSVFileError)
    /// Duplicate detection could not use its temporary files.
    case sorting(PairSorterError)
}

/// Message statistics gathered while reading.
struct ReadTally: Sendable {
    var messages = PlanCalculator.MessageStatistics(segments: 0, multiSegment: 0)
    var allGSM7 = true
    /// Rows by number type code (every row with a valid number, whatever its status).
    var types = [Int](repeating: 0, count: 16)
    /// The requests of a job that groups texts, when its texts were counted while reading.
    var textGroups: RequestCount?
}

/// The reading side: CSV → classifier → duplicates → suppression → batches of `IngestRow`.
struct RowReader: Sendable {
    let reader: Handoff<CSVReader>
    let duplicates: Handoff<DuplicateCheck>
    let classifier: RecipientClassifier
    let suppressed: Set<UInt64>
    let batchSize: Int
    /// Counts the pending rows' texts, for a job that groups them (nil: not counted here).
    let textGroups: Handoff<TextGroupCounter?>
    /// Recipients per batch, for the count of grouped texts.
    let chunkSize: Int

    /// Reads to the end of the file (or until the channel is closed), then closes the reader.
    func run(into channel: BatchChannel<ReadEvent>) {
        let reader = reader.value
        let duplicates = duplicates.value
        defer {
            reader.close()
            duplicates.close()
        }
        var tally = ReadTally()
        var batch: [IngestRow] = []
        batch.reserveCapacity(batchSize)
        do {
            var batchStart = reader.position
            while let record = try reader.next() {
                let c = classifier.classify(record)
                if let type = c.type { tally.types[Int(type.code) & 15] += 1 }
                batch.append(IngestRow(
                    row: record.dataRow, line: record.line, phone: c.phone, e164: c.e164?.digits,
                    status: c.isValid ? .pending : .invalid, reason: c.reason, content: c.content,
                    numberType: c.type, windowGroup: c.windowGroup))
                if batch.count >= batchSize {
                    try settle(&batch, from: batchStart, duplicates: duplicates, tally: &tally)
                    guard channel.send(.rows(batch, reader.position)) else { return }
                    batch.removeAll(keepingCapacity: true)
                    batchStart = reader.position
                }
            }
            if !batch.isEmpty {
                try settle(&batch, from: batchStart, duplicates: duplicates, tally: &tally)
                guard channel.send(.rows(batch, reader.position)) else { return }
            }
            // The merge of the sorted text hashes runs here, while the writer stores the last batches.
            tally.textGroups = try textGroups.value?.requests(size: chunkSize)
            channel.send(.end(tally))
        } catch let error as CSVFileError {
            channel.send(.failed(.csv(error)))
        } catch let error as PairSorterError {
            channel.send(.failed(.sorting(error)))
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// Gives the usable rows of a batch their final status — duplicate, then suppressed, else pending —
    /// and counts the SMS segments of the pending ones.
    private func settle(
        _ batch: inout [IngestRow], from start: CSVPosition, duplicates: DuplicateCheck, tally: inout ReadTally
    ) throws {
        try duplicates.markDuplicates(in: &batch, batchStart: start)
        let suppressed = suppressed
        let textGroups = textGroups.value
        try batch.withUnsafeMutableBufferPointer { rows throws(PairSorterError) in
            for i in rows.indices where rows[i].status == .pending {
                if !suppressed.isEmpty, let e164 = rows[i].e164, suppressed.contains(e164) {
                    rows[i].status = .suppressed
                    rows[i].reason = "on the suppression list"
                } else if let content = rows[i].content {
                    let analysis = SMSAnalysis(content)
                    tally.messages.segments += analysis.segments
                    if analysis.segments > 1 { tally.messages.multiSegment += 1 }
                    if analysis.encoding != .gsm7 { tally.allGSM7 = false }
                    try textGroups?.add(content: content, windowGroup: rows[i].windowGroup)
                }
            }
        }
    }
}
