import Checkpoint
import Foundation
import Testing

@Suite("State store")
struct StateStoreTests {
    func freshStore() throws -> StateStore {
        let dir = NSTemporaryDirectory() + "zb-state-" + UUID().uuidString
        return try StateStore(path: dir + "/state.sqlite")
    }

    func settings(chunkSize: Int = 2) -> JobSettings {
        JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: chunkSize)
    }

    func row(_ n: Int, _ e164: UInt64?, status: RecipientStatus = .pending) -> IngestRow {
        IngestRow(row: n, line: n + 1, phone: e164.map { "+\($0)" } ?? "bad", e164: e164, status: e164 == nil ? .invalid : status, reason: e164 == nil ? "bad" : nil, content: nil)
    }

    @Test func newStateFileIsOwnerOnlyAndInWALMode() throws {
        let store = try freshStore()
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.database.first("PRAGMA journal_mode", []) { $0.text(0) } == "wal")
    }

    @Test func planMarksLaterDuplicatesAndSuppressedAndCutsChunksInRowOrder() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        let rows = [row(1, 244_923_000_001), row(2, nil), row(3, 244_923_000_002), row(4, 244_923_000_001), row(5, 244_923_000_003), row(6, 244_923_000_004)]
        try store.storeIngestBatch(jobID: job.id, rows: rows, offset: 100, line: 7, rowCount: 6)
        try store.storeSuppression(jobID: job.id, numbers: [244_923_000_003])
        let chunks = try store.plan(jobID: job.id, chunkSize: 2, kind: .batch)
        #expect(chunks == 2)
        var statuses: [Int: RecipientStatus] = [:]
        var reasons: [Int: String] = [:]
        try store.forEachRecipient(jobID: job.id) { statuses[$0.row] = $0.status; reasons[$0.row] = $0.reason }
        #expect(statuses == [1: .pending, 2: .invalid, 3: .pending, 4: .duplicate, 5: .suppressed, 6: .pending])
        #expect(reasons[4]?.contains("row 1") == true)
        #expect(try store.members(jobID: job.id, seq: 0).map(\.row) == [1, 3])
        #expect(try store.members(jobID: job.id, seq: 1).map(\.row) == [6])
    }

    @Test func ingestPositionCommitsWithItsRowsAndReplayedRowsAreNotStoredTwice() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        try store.storeIngestBatch(jobID: job.id, rows: [row(1, 244_923_000_001)], offset: 40, line: 3, rowCount: 1)
        try store.storeIngestBatch(jobID: job.id, rows: [row(1, 244_923_000_001), row(2, 244_923_000_002)], offset: 80, line: 4, rowCount: 2)
        let again = try #require(try store.job(named: "j"))
        #expect(again.ingestOffset == 80 && again.ingestRows == 2 && again.ingestLine == 4)
        #expect(try store.counts(jobID: job.id).rows == 2)
    }

    @Test func chunkTransitionsMoveRecipientsWithThem() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(), inputFingerprint: "f")
        try store.storeIngestBatch(jobID: job.id, rows: (1...4).map { row($0, 244_923_000_000 + UInt64($0)) }, offset: 1, line: 1, rowCount: 4)
        _ = try store.plan(jobID: job.id, chunkSize: 2, kind: .batch)
        let attempt = try store.markInFlight(jobID: job.id, seq: 0, name: "n0", body: [1, 2], idempotencyKey: "k0", endpoint: "POST /campaigns/batch", at: 1)
        #expect(try store.chunk(jobID: job.id, seq: 0)?.state == .inflight)
        try store.markAccepted(jobID: job.id, seq: 0, campaignID: "c0", messageID: nil, httpStatus: 202, traceID: nil, attemptID: attempt)
        try store.markInFlight(jobID: job.id, seq: 1, name: "n1", body: [3], idempotencyKey: "k1", endpoint: "POST /campaigns/batch", at: 2)
        try store.markRejected(jobID: job.id, seq: 1, error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "bad", traceID: "t"), attemptID: nil)
        let counts = try store.counts(jobID: job.id)
        #expect(counts.recipients(.sent) == 2 && counts.recipients(.rejected) == 2 && counts.openChunks == 0)
        let requeued = try store.requeueRejected(jobID: job.id, chunkSize: 2, kind: .batch)
        #expect(requeued == 2)
        let after = try store.counts(jobID: job.id)
        #expect(after.recipients(.sent) == 2 && after.recipients(.pending) == 2 && after.openChunks == 1)
    }

    @Test func splitRejectsNamedRowsAndRechunksTheRestUnderANewNumber() throws {
        let store = try freshStore()
        let job = try store.createJob(name: "j", settings: settings(chunkSize: 3), inputFingerprint: "f")
        try store.storeIngestBatch(jobID: job.id, rows: (1...3).map { row($0, 244_923_000_000 + UInt64($0)) }, offset: 1, line: 1, rowCount: 3)
        _ = try store.plan(jobID: job.id, chunkSize: 3, kind: .batch)
        let next = try store.split(jobID: job.id, seq: 0, rejectedRows: [2: "VALIDATION_ERROR: bad"], error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "x"), attemptID: nil)
        #expect(next == 1)
        #expect(try store.chunk(jobID: job.id, seq: 0)?.state == .split)
        #expect(try store.members(jobID: job.id, seq: 1).map(\.row) == [1, 3])
    }

    @Test func aStateFileFromANewerVersionIsRefused() throws {
        let store = try freshStore()
        try store.database.execute("PRAGMA user_version = 99")
        #expect(throws: SQLiteError.self) { try StateStore(path: store.path) }
    }
}
