public import Checkpoint
public import Recipients

/// What `run --allow-changed-input` does when the CSV changed since the job began.
///
/// - The job is still reading its CSV: nothing has been sent (sending starts after the plan), so the
///   rows read so far are forgotten and the new file is read from its start.
/// - The job is planned or complete: its rows stay as they are and its open chunks still go out. The new
///   file's rows are appended (numbered after the job's last row; `line` is their line in the new file);
///   a number the job already has — sent, queued, in flight or rejected — is stored as `duplicate`, so
///   only numbers not yet sent in this job are added, in new chunks.
///
/// The append is one transaction with the new fingerprint: a crash half-way leaves the job as it was,
/// and the next run (still seeing a changed file) appends again from the start.
public struct ChangedInput {
    /// What happened.
    public enum Outcome: Sendable, Equatable {
        /// Ingest starts again on the new file.
        case restarted
        /// `rows` new rows were read, `queued` of them are new recipients, in about `chunks` requests (they
        /// are cut into chunks after the job's other pending rows, when it sends).
        case appended(rows: Int, queued: Int, chunks: Int)
    }

    /// Creates the handler.
    public init() {}

    /// Applies the new file at the job's CSV path to the job.
    public func apply(
        store: any StateStore, job: Job, fingerprint: String, classifier makeClassifier: ([String]) throws -> RecipientClassifier
    ) throws -> Outcome {
        if job.phase == .ingesting {
            try store.restartIngest(jobID: job.id, inputFingerprint: fingerprint)
            return .restarted
        }
        let settings = job.settings
        let reader = try CSVReader(path: settings.csvPath, delimiter: settings.delimiter?.utf8.first)
        defer { reader.close() }
        let classifier = try makeClassifier(reader.header)
        var rows = 0
        let queued = try store.appendChangedInput(jobID: job.id, inputFingerprint: fingerprint) { base, append in
            var batch: [IngestRow] = []
            while let record = try reader.next() {
                let c = classifier.classify(record)
                batch.append(IngestRow(
                    row: base + record.dataRow, line: record.line, phone: c.phone, e164: c.e164?.digits,
                    status: c.isValid ? .pending : .invalid, reason: c.reason, content: c.content,
                    numberType: c.type, windowGroup: c.windowGroup))
                rows += 1
                if batch.count >= 10_000 {
                    try append(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try append(batch)
        }
        // The job already decided how it sends (planned jobs only reach here): read it back, never decide again.
        // A job that groups texts cuts the new rows by text when it sends: at most one request per row.
        return .appended(
            rows: rows, queued: queued,
            chunks: job.groupsTexts ? queued : ChunkKind.chunks(for: queued, size: job.sendingKind.recipientsPerChunk(configured: job.chunkSize)))
    }
}
