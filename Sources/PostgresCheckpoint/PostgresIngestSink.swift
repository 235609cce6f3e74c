import Checkpoint

/// Where a job's rows go while its CSV is read into the PostgreSQL state (`StateStore.ingestWriter`):
/// `beginIngest` when made, `storeIngestBatch` per write (rows and reader position in one transaction),
/// `completeIngest` at the end. One owner, as `IngestWriter`.
final class PostgresIngestSink: IngestSink {
    let store: PostgresStateStore
    let jobID: Int64
    let chunkSize: Int
    let groupsTexts: Bool
    /// Rows by status passed to `write` by this sink (not earlier runs, nor other hosts), as `IngestWriter`
    /// counts them: every row written, a replayed one included.
    private(set) var written: [RecipientStatus: Int] = [:]

    /// Records how the job's pending rows will be cut (a resumed ingest keeps how its first run grouped).
    init(store: PostgresStateStore, jobID: Int64, kind: ChunkKind, chunkSize: Int, groupsTexts: Bool) throws {
        self.store = store
        self.jobID = jobID
        let plan = try store.run { database, _ in
            try await database.beginIngest(jobID: jobID, kind: kind, chunkSize: chunkSize, groupsTexts: groupsTexts)
        }
        self.chunkSize = plan.chunkSize
        self.groupsTexts = plan.groupsTexts
    }

    func write(_ rows: [IngestRow], offset: Int64, line: Int, rowCount: Int) throws {
        let jobID = self.jobID
        _ = try store.run { database, now in
            try await database.storeIngestBatch(jobID: jobID, rows: rows, offset: offset, line: line, rowCount: rowCount, now: now)
        }
        for row in rows { written[row.status, default: 0] += 1 }
    }

    /// Ignores `textGroups`, the count made while reading: several hosts may have stored the job's rows
    /// (one after another, under the ingest lock), so the server counts the requests from the stored rows.
    func complete(textGroups: RequestCount?) throws -> RequestCount {
        let jobID = self.jobID
        return try store.run { database, now in try await database.completeIngest(jobID: jobID, now: now) }
    }
}
