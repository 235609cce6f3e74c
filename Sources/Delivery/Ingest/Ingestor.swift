public import Checkpoint
public import Recipients

/// Reads a job's CSV into the state, resumably, then plans its chunks.
///
/// Rows are committed in batches together with the reader position after them, so a run killed at
/// any instant continues after the last committed row: nothing is read into the state twice and
/// nothing is skipped.
public struct Ingestor {
    /// Rows per commit: large enough to amortise the commit, small enough to lose little on a crash.
    public var batchSize = 20_000

    /// What the ingest found.
    public struct Summary: Sendable, Equatable {
        /// Data rows read in this call (0 when ingest had already finished).
        public var rowsRead: Int
        /// True when the file was read to its end and planned.
        public var planned: Bool
        /// Chunks planned.
        public var chunks: Int
    }

    /// Creates an ingestor.
    public init() {}

    /// Reads what is left of the job's CSV and plans it. `shouldStop` is polled between batches.
    public func run(
        store: StateStore, job: Job, classifier makeClassifier: ([String]) throws -> RecipientClassifier,
        suppression: [UInt64] = [], shouldStop: () -> Bool = { false }
    ) throws -> Summary {
        guard job.phase == .ingesting else { return Summary(rowsRead: 0, planned: true, chunks: 0) }
        let settings = job.settings
        let resume = job.ingestOffset > 0
            ? CSVPosition(byteOffset: job.ingestOffset, line: job.ingestLine, dataRow: job.ingestRows) : nil
        let reader = try CSVReader(
            path: settings.csvPath, delimiter: settings.delimiter?.utf8.first, resumeAt: resume)
        defer { reader.close() }
        if job.header.isEmpty { try store.setHeader(jobID: job.id, header: reader.header) }
        let classifier = try makeClassifier(reader.header)
        var batch: [IngestRow] = []
        batch.reserveCapacity(batchSize)
        var read = 0
        while let record = try reader.next() {
            let c = classifier.classify(record)
            batch.append(IngestRow(
                row: record.dataRow, line: record.line, phone: c.phone, e164: c.e164?.digits,
                status: c.isValid ? .pending : .invalid, reason: c.reason, content: c.content))
            read += 1
            if batch.count >= batchSize {
                let p = reader.position
                try store.storeIngestBatch(jobID: job.id, rows: batch, offset: p.byteOffset, line: p.line, rowCount: p.dataRow)
                batch.removeAll(keepingCapacity: true)
                if shouldStop() { return Summary(rowsRead: read, planned: false, chunks: 0) }
            }
        }
        let p = reader.position
        try store.storeIngestBatch(jobID: job.id, rows: batch, offset: p.byteOffset, line: p.line, rowCount: p.dataRow)
        try store.storeSuppression(jobID: job.id, numbers: suppression)
        let chunks = try store.plan(
            jobID: job.id, chunkSize: settings.chunkSize, kind: classifier.isPersonalised ? .single : .batch)
        return Summary(rowsRead: read, planned: true, chunks: chunks)
    }
}
