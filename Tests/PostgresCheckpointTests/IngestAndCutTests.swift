import Checkpoint
import Foundation
import PostgresCheckpoint
import PostgresNIO
import Recipients
import TestSupport
import Testing

/// Ingest and the cut on PostgreSQL beyond what the parity tests compare: a replayed batch, hosts cutting
/// one job together, and (on demand) what storing 100,000 rows costs.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct IngestAndCutTests {
    static func rows(_ range: ClosedRange<Int>, text: (Int) -> String? = { _ in nil }) -> [IngestRow] {
        range.map {
            IngestRow(
                row: $0, line: $0 + 1, phone: "923 \($0)", e164: 244_900_000_000 + UInt64($0), status: .pending, reason: nil,
                content: text($0), numberType: .mobile, windowGroup: nil)
        }
    }

    /// A batch stored again (a crash after its commit, before the caller knew) inserts nothing and leaves
    /// the rows as they were; the position moves with each batch.
    @Test func aReplayedBatchIsIgnoredAndThePositionCommitsWithIt() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.createJob(name: "j", uuid: "u", settings: "{}", inputFingerprint: "f", now: 1)
                #expect(try await store.storeIngestBatch(jobID: jobID, rows: Self.rows(1...5), offset: 50, line: 6, rowCount: 5, now: 2) == 5)
                var changed = Self.rows(4...8)
                changed[0].phone = "changed"
                #expect(try await store.storeIngestBatch(jobID: jobID, rows: changed, offset: 80, line: 9, rowCount: 8, now: 3) == 3)
                let job = try #require(try await TestServer.withRawConnection(location) { connection in
                    let rows = try await connection.query(
                        "SELECT ingest_offset, ingest_line, ingest_rows, updated_at FROM job", logger: TestServer.logger)
                    for try await job in rows.decode((Int64, Int, Int, Double).self) { return job }
                    return nil
                })
                #expect(job.0 == 80 && job.1 == 9 && job.2 == 8 && job.3 == 3)
                let phones = try await TestServer.withRawConnection(location) { connection in
                    try await connection.values("SELECT phone FROM recipient ORDER BY row", as: String.self)
                }
                #expect(phones.count == 8 && phones[3] == "923 4")
            }
        }
    }

    /// A resumed ingest keeps whether its first run grouped texts, whatever it is asked now, as
    /// `IngestWriter` does: a job cuts as it began.
    @Test(.temporaryFiles) func aResumedIngestKeepsHowItBeganLikeTheSQLiteState() async throws {
        let sqlite = try SQLiteStateStore(path: TemporaryFiles.root! + "/state.sqlite")
        let settings = JobSettings(csvPath: "x", sender: "s", message: "m", country: nil, phoneColumn: nil, chunkSize: 50)
        let job = try sqlite.createJob(name: "j", settings: settings, inputFingerprint: "f")
        let began = try IngestWriter(store: sqlite, jobID: job.id, kind: .single, chunkSize: 50, groupsTexts: false)
        try began.write(Self.rows(1...2), offset: 1, line: 3, rowCount: 2)
        let resumed = try IngestWriter(store: sqlite, jobID: job.id, kind: .single, chunkSize: 50, groupsTexts: true)
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.createJob(name: "j", uuid: "u", settings: "{}", inputFingerprint: "f", now: 1)
                let first = try await store.beginIngest(jobID: jobID, kind: .single, chunkSize: 50, groupsTexts: false)
                #expect(first.chunkSize == began.chunkSize && first.groupsTexts == began.groupsTexts && !first.resumed)
                try await store.storeIngestBatch(jobID: jobID, rows: Self.rows(1...2), offset: 1, line: 3, rowCount: 2, now: 2)
                let again = try await store.beginIngest(jobID: jobID, kind: .single, chunkSize: 50, groupsTexts: true)
                #expect(again.chunkSize == resumed.chunkSize && again.groupsTexts == resumed.groupsTexts && again.resumed)
                #expect(again.chunkSize == 1 && !again.groupsTexts)
            }
        }
    }

    /// A job whose chunk kind was never recorded refuses to cut while pending rows wait (answering 0 would
    /// end the send with them silently unsent), as the SQLite state refuses; with none waiting, 0.
    @Test func aJobWithoutAChunkKindRefusesToCutWaitingRows() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.createJob(name: "j", uuid: "u", settings: "{}", inputFingerprint: "f", now: 1)
                #expect(try await store.cutChunks(jobID: jobID, now: 2) == 0)
                try await store.storeIngestBatch(jobID: jobID, rows: Self.rows(1...3), offset: 1, line: 4, rowCount: 3, now: 2)
                await #expect(throws: PostgresStateError(.noChunkKind(jobID: jobID, waiting: 3))) {
                    try await store.cutChunks(jobID: jobID, now: 3)
                }
            }
        }
    }

    /// Three hosts cutting one job at once, a few chunks each time: every row gets exactly one chunk, the
    /// chunks are numbered 0… without gaps or repeats, and all are whole.
    @Test func hostsCuttingOneJobTogetherCutEachRowOnce() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStores(3, location) { stores in
                try await stores[0].migrate(now: 1)
                let jobID = try await stores[0].createJob(name: "j", uuid: "u", settings: "{}", inputFingerprint: "f", now: 1)
                _ = try await stores[0].beginIngest(jobID: jobID, kind: .batch, chunkSize: 10)
                try await stores[0].storeIngestBatch(jobID: jobID, rows: Self.rows(1...600), offset: 1, line: 1, rowCount: 600, now: 1)
                _ = try await stores[0].completeIngest(jobID: jobID, now: 1)
                let cut = try await withThrowingTaskGroup(of: Int.self) { group in
                    for store in stores {
                        group.addTask {
                            var total = 0
                            while true {
                                let n = try await store.cutChunks(jobID: jobID, recipients: 30, now: 2)
                                if n == 0 { return total }
                                total += n
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(cut == 60)
                let (rows, chunks) = try await TestServer.withRawConnection(location) { connection in
                    (try await connection.values("SELECT count(DISTINCT row) FROM recipient WHERE chunk IS NOT NULL", as: Int.self),
                     try await connection.values("SELECT seq FROM chunk WHERE size = 10 ORDER BY seq", as: Int.self))
                }
                #expect(rows == [600])
                #expect(chunks == Array(0..<60))
                // Chunk n holds rows 10n+1 … 10n+10: cut in row order whoever cut it.
                for seq in [0, 31, 59] {
                    #expect(try await stores[1].members(jobID: jobID, seq: seq).map(\.row) == Array((seq * 10 + 1)...(seq * 10 + 10)))
                }
            }
        }
    }

    /// What storing 100,000 rows costs, as ingest stores them (batches of 10,000, one transaction each)
    /// and in one batch, then cutting them into grouped-text chunks. Prints the times; runs only with
    /// `ZIETT_MEASURE_POSTGRES_INGEST=1` (a measurement, not a check; docs/postgres.md has the numbers).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ZIETT_MEASURE_POSTGRES_INGEST"] == "1"))
    func measureStoringAHundredThousandRows() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let clock = ContinuousClock()
                let all = Self.rows(1...100_000) { "Olá cliente \($0 % 5_000), o seu código é \($0 % 7)" }
                let batched = try await store.createJob(name: "batched", uuid: "u", settings: "{}", inputFingerprint: "f", now: 1)
                _ = try await store.beginIngest(jobID: batched, kind: .single, chunkSize: 100)
                let inBatches = try await clock.measure {
                    for start in stride(from: 0, to: all.count, by: 10_000) {
                        let part = Array(all[start..<(start + 10_000)])
                        try await store.storeIngestBatch(jobID: batched, rows: part, offset: Int64(start), line: start, rowCount: start, now: 2)
                    }
                }
                let once = try await store.createJob(name: "once", uuid: "u", settings: "{}", inputFingerprint: "f", now: 1)
                let inOne = try await clock.measure {
                    try await store.storeIngestBatch(jobID: once, rows: all, offset: 1, line: 1, rowCount: all.count, now: 2)
                }
                let complete = try await clock.measure { _ = try await store.completeIngest(jobID: batched, now: 3) }
                var chunks = 0
                let cut = try await clock.measure { chunks = try await store.cutChunks(jobID: batched, now: 4) }
                print("100k rows: 10 batches of 10k \(inBatches), one batch \(inOne); complete (counts by text) \(complete); cut \(chunks) chunks \(cut)")
            }
        }
    }
}
