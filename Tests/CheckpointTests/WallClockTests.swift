@testable import Checkpoint
import SQLite
import Testing

/// The state records the time of the clock it was given.
@Suite("Wall clock")
struct WallClockTests {
    @Test func aFixedClocksTimeIsWhatCreatedAtAndUpdatedAtRecord() throws {
        let t0 = 1_772_000_000.0
        try withTemporaryStore(clock: FixedWallClock(time: t0)) { store in
            let job = try store.createJob(name: "j", settings: testSettings(), inputFingerprint: "f")
            #expect(job.createdAt == t0)
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            try writer.write([pendingRow(1), pendingRow(2), pendingRow(3)], offset: 1, line: 4, rowCount: 3)
            _ = try writer.complete()
            #expect(try store.cutChunks(jobID: job.id) == 2)
            try store.markRejected(
                jobID: job.id, seq: 0, error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "bad"), attemptID: nil)
            let times = try store.database.query(
                """
                SELECT updated_at FROM job UNION ALL SELECT created_at FROM job
                UNION ALL SELECT updated_at FROM chunk UNION ALL SELECT updated_at FROM recipient WHERE status = 'rejected'
                """) { $0.double(0) }
            #expect(times.count == 6)
            #expect(times.allSatisfy { $0 == t0 })
        }
    }

    @Test func theSystemClockIsTheDefault() throws {
        try withTemporaryStore { store in #expect(store.clock is SystemWallClock) }
    }
}
