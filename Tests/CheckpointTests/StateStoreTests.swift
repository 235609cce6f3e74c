@testable import Checkpoint
import Foundation
import SQLite
import Testing
import TestSupport

@Suite("State store", .temporaryFiles)
struct StateStoreTests {
    func freshStore() throws -> SQLiteStateStore {
        let dir = temporaryDirectory()
        return try SQLiteStateStore(path: dir + "/state.sqlite")
    }

    func settings(chunkSize: Int = 2) -> JobSettings {
        JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: chunkSize)
    }

    func row(_ n: Int, _ e164: UInt64?, status: RecipientStatus = .pending) -> IngestRow {
        IngestRow(row: n, line: n + 1, phone: e164.map { "+\($0)" } ?? "bad", e164: e164, status: e164 == nil ? .invalid : status, reason: e164 == nil || status != .pending ? "why" : nil, content: nil)
    }

    @Test func newStateFileIsOwnerOnlyAndInWALMode() throws {
        let store = try freshStore()
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.database.first("PRAGMA journal_mode", []) { $0.text(0) } == "wal")
    }

    /// Stores rows through the ingest writer (duplicates and suppression already settled), plans them and cuts every chunk.
    func ingest(_ store: SQLiteStateStore, _ job: Job, _ rows: [IngestRow], chunkSize: Int) throws {
        let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: chunkSize)
        try writer.write(rows, offset: 1, line: rows.count + 1, rowCount: rows.count)
        _ = try writer.complete()
        while try store.cutChunks(jobID: job.id) > 0 {}
    }

    @Test func pendingRowsAreCutIntoChunksInRowOrderWhenNeededAndTheRestAreSkipped() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        let rows = [row(1, 244_923_000_001), row(2, nil), row(3, 244_923_000_002), row(4, 244_923_000_001, status: .duplicate),
                    row(5, 244_923_000_003, status: .suppressed), row(6, 244_923_000_004), row(7, 244_923_000_006)]
        let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
        try writer.write(rows, offset: 1, line: 8, rowCount: 7)
        #expect(try store.job(named: "j")?.phase == .ingesting)
        #expect(try writer.complete() == RequestCount(batches: 2))
        #expect(try store.job(named: "j")?.phase == .planned)
        // Nothing is cut while planning; the counts show the chunks the pending rows will make.
        #expect(try store.database.scalar("SELECT count(*) FROM chunk", []) == 0)
        #expect(try store.counts(jobID: job.id).openChunks == 2)
        #expect(try store.cutChunks(jobID: job.id, recipients: 2) == 1)
        #expect(try store.members(jobID: job.id, seq: 0).map(\.row) == [1, 3])
        #expect(try store.counts(jobID: job.id).openChunks == 2)
        #expect(try store.cutChunks(jobID: job.id) == 1)
        #expect(try store.members(jobID: job.id, seq: 1).map(\.row) == [6, 7])
        #expect(try store.cutChunks(jobID: job.id) == 0)
        #expect(try store.counts(jobID: job.id).openChunks == 2)
    }

    @Test func singleMessagesAreCutOnePerRecipient() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(chunkSize: 50), inputFingerprint: "f")
        // A job begun before grouped texts (TextGroupTests covers those).
        let writer = try IngestWriter(store: store, jobID: job.id, kind: .single, chunkSize: 50, groupsTexts: false)
        try writer.write((1...5).map { row($0, 244_923_000_000 + UInt64($0)) }, offset: 1, line: 6, rowCount: 5)
        #expect(try writer.complete() == RequestCount(messages: 5))
        #expect(try store.cutChunks(jobID: job.id, recipients: 3) == 3)
        #expect(try store.chunks(jobID: job.id, in: [.pending]).map(\.size) == [1, 1, 1])
        #expect(try store.counts(jobID: job.id).openChunks == 5)
    }

    /// SQLite's plan for `sql`, its steps joined by " | ".
    func queryPlan(_ sql: String, in store: SQLiteStateStore) throws -> String {
        try store.database.query("EXPLAIN QUERY PLAN \(sql)", []) { $0.text(3) }.joined(separator: " | ")
    }

    @Test func chunkQueriesUseThePartialIndexOfCutRows() throws {
        let store = try freshStore()
        for sql in [
            "SELECT row, e164, content FROM recipient WHERE job_id = ?1 AND chunk = ?2 ORDER BY row",
            "UPDATE recipient SET status = 'sent' WHERE job_id = ?1 AND chunk = ?2 AND status = 'pending'",
        ] {
            let plan = try queryPlan(sql, in: store)
            #expect(plan.contains("USING INDEX recipient_chunk"), "\(sql): \(plan)")
        }
    }

    /// The next open chunk of a lane is a seek in the lane's partial index, not a walk over every chunk
    /// after the cursor (which, before every request of a million-message job, scanned a million chunks).
    @Test func theNextChunkOfALaneIsASeekInItsPartialIndex() throws {
        let store = try freshStore()
        for (lane, index) in [(ChunkLane.batches, "chunk_open_batches"), (.messages, "chunk_open_messages")] {
            let sql = SQLiteStateStore.nextOpenChunkSQL(lane: lane)
            let plan = try queryPlan(sql, in: store)
            #expect(plan.contains("USING INDEX \(index) (job_id=? AND seq>?)"), "\(lane): \(plan)")
        }
    }

    /// Every answer settles the chunk's earlier attempts; without an index that scanned every attempt.
    @Test func aChunksAttemptsAreFoundByIndex() throws {
        let store = try freshStore()
        for sql in [
            "UPDATE attempt SET outcome = 'x' WHERE job_id = ?1 AND chunk_seq = ?2 AND id != ?3 AND endpoint != 'resolve' AND (outcome IS NULL OR outcome = 'in_doubt')",
            "SELECT min(started_at) FROM attempt WHERE job_id = ?1 AND chunk_seq = ?2 AND endpoint != 'resolve'",
        ] {
            let plan = try queryPlan(sql, in: store)
            #expect(plan.contains("USING INDEX attempt_chunk"), "\(sql): \(plan)")
        }
    }

    @Test func ingestPositionCommitsWithItsRowsAndReplayedRowsAreNotStoredTwice() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
        try writer.write([row(1, 244_923_000_001)], offset: 40, line: 3, rowCount: 1)
        try writer.write([row(1, 244_923_000_001), row(2, 244_923_000_002)], offset: 80, line: 4, rowCount: 2)
        let again = try #require(try store.job(named: "j"))
        #expect(again.ingestOffset == 80 && again.ingestRows == 2 && again.ingestLine == 4)
        #expect(try store.counts(jobID: job.id).rows == 2)
    }

    @Test func chunkTransitionsMoveRecipientsWithThem() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        try ingest(store, job, (1...4).map { row($0, 244_923_000_000 + UInt64($0)) }, chunkSize: 2)
        let attempt = try store.markInFlight(jobID: job.id, seq: 0, name: "n0", body: [1, 2], idempotencyKey: "k0", endpoint: "POST /campaigns/batch", at: 1)
        #expect(try store.chunk(jobID: job.id, seq: 0)?.state == .inflight)
        try store.markAccepted(jobID: job.id, seq: 0, campaignID: "c0", messageID: nil, httpStatus: 202, traceID: nil, attemptID: attempt)
        try store.markInFlight(jobID: job.id, seq: 1, name: "n1", body: [3], idempotencyKey: "k1", endpoint: "POST /campaigns/batch", at: 2)
        try store.markRejected(jobID: job.id, seq: 1, error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "bad", traceID: "t"), attemptID: nil)
        let counts = try store.counts(jobID: job.id)
        #expect(counts.recipients(.sent) == 2 && counts.recipients(.rejected) == 2 && counts.openChunks == 0)
        let requeued = try store.requeueRejected(jobID: job.id)
        #expect(requeued == RequeueSummary(requeued: 2, heldBack: 0))
        let after = try store.counts(jobID: job.id)
        #expect(after.recipients(.sent) == 2 && after.recipients(.pending) == 2 && after.openChunks == 1)
        // Re-queued rows lie before the cut point: it moves back so the next cut finds them, in a new chunk.
        #expect(try store.cutChunks(jobID: job.id) == 1)
        #expect(try store.members(jobID: job.id, seq: 2).map(\.row) == [3, 4])
        #expect(try store.cutChunks(jobID: job.id) == 0)
    }

    @Test func theMoveToInFlightIsCompareAndSetOnlyFromPending() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        try ingest(store, job, (1...2).map { row($0, 244_923_000_000 + UInt64($0)) }, chunkSize: 2)
        try store.markInFlight(jobID: job.id, seq: 0, name: "n0", body: [1], idempotencyKey: "k0", endpoint: "POST /campaigns/batch", at: 1)
        // A second writer (a copy of the run, another process on a link of the file) moving it again fails,
        // and changes nothing: the first attempt's record stands.
        #expect {
            try store.markInFlight(jobID: job.id, seq: 0, name: "n0", body: [9], idempotencyKey: "k9", endpoint: "POST /campaigns/batch", at: 2)
        } throws: { ($0 as? StateStoreError)?.code == .chunkChangedUnderneath }
        let chunk = try #require(try store.chunk(jobID: job.id, seq: 0))
        #expect(chunk.state == .inflight && chunk.idempotencyKey == "k0" && chunk.attempts == 1)
        #expect(try store.attemptTimes(endpoint: "POST /campaigns/batch", since: 0).count == 1)
    }

    @Test func splitRejectsNamedRowsAndRechunksTheRestUnderANewNumber() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(chunkSize: 3), inputFingerprint: "f")
        try ingest(store, job, (1...3).map { row($0, 244_923_000_000 + UInt64($0)) }, chunkSize: 3)
        let next = try store.split(jobID: job.id, seq: 0, rejectedRows: [2: "VALIDATION_ERROR: bad"], error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "x"), attemptID: nil)
        #expect(next == 1)
        #expect(try store.chunk(jobID: job.id, seq: 0)?.state == .split)
        #expect(try store.members(jobID: job.id, seq: 1).map(\.row) == [1, 3])
    }

    @Test func aStateFileFromANewerVersionIsRefused() throws {
        let path = try {
            let store = try freshStore()
            try store.database.execute("PRAGMA user_version = 99")
            return store.path
        }()
        #expect(throws: SQLiteError.self) { try SQLiteStateStore(path: path) }
    }

    @Test func retryLeavesRejectedRowsWhoseChunkIsStillInDoubt() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        try ingest(store, job, (1...4).map { row($0, 244_923_000_000 + UInt64($0)) }, chunkSize: 2)
        for seq in [0, 1] {
            try store.markInFlight(jobID: job.id, seq: seq, name: "n\(seq)", body: [1], idempotencyKey: "k\(seq)", endpoint: "POST /campaigns/batch", at: 1)
            try store.markRejected(jobID: job.id, seq: seq, error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "bad"), attemptID: nil)
        }
        // A refusal recorded after an attempt of chunk 1 that ended in doubt and was never settled, as builds
        // before the attempt log recorded look-ups left it: that attempt may have reached the API.
        try store.database.run(
            "INSERT INTO attempt (job_id, chunk_seq, endpoint, started_at, finished_at, outcome) VALUES (?, 1, 'POST /campaigns/batch', 0, 1, 'in_doubt')",
            [.int(job.id)])
        #expect(try store.requeueRejected(jobID: job.id) == RequeueSummary(requeued: 2, heldBack: 2))
        let counts = try store.counts(jobID: job.id)
        #expect(counts.recipients(.pending) == 2 && counts.recipients(.rejected) == 2)
        #expect(try store.requeueRejected(jobID: job.id) == RequeueSummary(requeued: 0, heldBack: 2))
    }

    @Test func aLookUpOrAnAnswerSettlesTheDoubtsOfEarlierAttemptsInTheLog() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        try ingest(store, job, (1...2).map { row($0, 244_923_000_000 + UInt64($0)) }, chunkSize: 2)
        let first = try store.markInFlight(jobID: job.id, seq: 0, name: "n", body: [1], idempotencyKey: "k", endpoint: "POST /campaigns/batch", at: 1)
        try store.markInDoubt(jobID: job.id, seq: 0, notBefore: 2, error: RecordedError(httpStatus: 503, code: "X", message: "x"), attemptID: first)
        try store.markNotProcessed(jobID: job.id, seq: 0, notBefore: nil, error: nil, attemptID: nil)  // looked up: absent
        let second = try store.markInFlight(jobID: job.id, seq: 0, name: "n", body: [1], idempotencyKey: "k", endpoint: "POST /campaigns/batch", at: 3)
        try store.markRejected(jobID: job.id, seq: 0, error: RecordedError(httpStatus: 422, code: "V", message: "v"), attemptID: second)
        let outcomes = try store.database.query("SELECT outcome FROM attempt WHERE job_id = ? ORDER BY id", [.int(job.id)]) { $0.text(0) }
        #expect(outcomes == ["in_doubt, then proven absent", "rejected"])
        #expect(try store.requeueRejected(jobID: job.id) == RequeueSummary(requeued: 2, heldBack: 0))
    }
}
