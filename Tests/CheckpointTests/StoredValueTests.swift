@testable import Checkpoint
import Foundation
import SQLite
import Testing

/// A value in the state file that this build does not know is an error naming it, never a default.
@Suite("Stored values")
struct StoredValueTests {
    /// Runs `body` on a job whose rows were ingested and cut (2 pending rows, one chunk), after `sql`
    /// wrote a value the store would never write.
    func expectUnknown(
        _ value: String, after sql: String, code: StateStoreError.Code = .unknownStoredValue,
        read: (SQLiteStateStore, Job) throws -> Void
    ) throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            try writer.write([pendingRow(1), pendingRow(2)], offset: 1, line: 3, rowCount: 2)
            _ = try writer.complete()
            #expect(try store.cutChunks(jobID: job.id) == 1)
            // The SQLite layer directly, as another version or a damaged file would have written it.
            let database = try SQLiteDatabase(path: store.path, create: false)
            try database.execute(sql)
            let error = try #require(throws: StateStoreError.self) { try read(store, job) }
            #expect(error.code == code)
            #expect(error.description.contains(value))
            #expect(error.description.contains(store.path))
        }
    }

    @Test func anUnknownChunkStateMakesTheChunkReadThrowNamingTheValue() throws {
        try expectUnknown("resting", after: "UPDATE chunk SET state = 'resting'") { store, job in
            _ = try store.chunk(jobID: job.id, seq: 0)
        }
    }

    @Test func anUnknownChunkKindMakesTheChunkReadThrowNamingTheValue() throws {
        try expectUnknown("carrier-pigeon", after: "UPDATE chunk SET kind = 'carrier-pigeon'") { store, job in
            _ = try store.nextOpenChunk(jobID: job.id)
        }
    }

    @Test func anUnknownJobPhaseMakesTheJobReadThrowNamingTheValue() throws {
        try expectUnknown("paused", after: "UPDATE job SET phase = 'paused'") { store, _ in _ = try store.jobs() }
        try expectUnknown("paused", after: "UPDATE job SET phase = 'paused'") { store, _ in _ = try store.job(named: "j") }
    }

    @Test func anUnknownJobChunkKindMakesTheJobReadAndTheCutThrowNamingTheValue() throws {
        try expectUnknown("fax", after: "UPDATE job SET chunk_kind = 'fax'") { store, _ in _ = try store.job(named: "j") }
        try expectUnknown("fax", after: "UPDATE job SET chunk_kind = 'fax'; UPDATE recipient SET chunk = NULL; UPDATE job SET cut_row = 0") {
            store, job in _ = try store.cutChunks(jobID: job.id)
        }
    }

    @Test func anUnknownRecipientStatusMakesTheRecipientReadThrowNamingTheValue() throws {
        try expectUnknown("forgotten", after: "UPDATE recipient SET status = 'forgotten' WHERE row = 2") { store, job in
            try store.forEachRecipient(jobID: job.id) { _ in }
        }
    }

    @Test func settingsThatAreNotJSONMakeTheJobReadThrowNamingTheColumn() throws {
        try expectUnknown("job.settings", after: "UPDATE job SET settings = '{\"csvPath\": 1}'", code: .undecodableStoredValue) {
            store, _ in _ = try store.jobs()
        }
    }
}
