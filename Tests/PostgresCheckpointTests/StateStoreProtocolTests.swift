import Checkpoint
import PostgresCheckpoint
import TestSupport
import Testing

/// One job driven through `any StateStore` in a SQLite state file and in `PostgresStateStore`, with the same
/// clock: after each step both give the same answers (counts, chunks, members, the recipient walks). The
/// protocol layer, not the SQL (ParityTests compares the rows themselves).
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason), .temporaryFiles)
struct StateStoreProtocolTests {
    static let rateLimited = RecordedError(httpStatus: 429, code: "RATE_LIMITED", message: "slow down", traceID: "trace-429")
    static let timeout = RecordedError(httpStatus: nil, code: "TIMEOUT", message: "no answer in 30 s")

    /// The two stores, the job in each, and the clock both read.
    struct Pair {
        let sqlite: any StateStore
        let postgres: any StateStore
        let sqliteJob: Int64
        let postgresJob: Int64
        let clock: SteppedClock

        var both: [(store: any StateStore, job: Int64)] { [(sqlite, sqliteJob), (postgres, postgresJob)] }

        /// The answer of `read` from both, expected equal; the SQLite one.
        @discardableResult
        func same<T: Equatable>(
            _ what: Comment, sourceLocation: SourceLocation = #_sourceLocation, _ read: (any StateStore, Int64) throws -> T
        ) throws -> T {
            let fromSQLite = try read(sqlite, sqliteJob)
            let fromPostgres = try read(postgres, postgresJob)
            #expect(fromSQLite == fromPostgres, what, sourceLocation: sourceLocation)
            return fromSQLite
        }

        /// Counts, every chunk and its members, the job (but its uuid), and the recipient walks, from both.
        func expectSameReads(sourceLocation: SourceLocation = #_sourceLocation) throws {
            try same("counts", sourceLocation: sourceLocation) { try $0.counts(jobID: $1) }
            let chunks = try same("chunks", sourceLocation: sourceLocation) { try $0.chunks(jobID: $1, in: ChunkState.allCases) }
            for chunk in chunks {
                try same("members of \(chunk.seq)", sourceLocation: sourceLocation) { try $0.members(jobID: $1, seq: chunk.seq) }
            }
            try same("job", sourceLocation: sourceLocation) { store, _ in
                var job = try store.job(named: "spring")
                job?.uuid = ""
                return job
            }
            try same("recipients", sourceLocation: sourceLocation) { store, job in
                var all: [RecipientRecord] = []
                try store.forEachRecipientWithDelivery(jobID: job) { record, _ in all.append(record) }
                return all
            }
            try same("usable rows", sourceLocation: sourceLocation) { store, job in
                var all: [Int] = []
                try store.forEachUsableRow(jobID: job) { e164, row in all.append(row * 1_000_000 + Int(e164 % 1_000_000)) }
                return all
            }
            try same("pending personalised", sourceLocation: sourceLocation) { store, job in
                var all: [String] = []
                try store.forEachPendingPersonalisedMessage(jobID: job) { row, content in all.append("\(row):\(content)") }
                return all
            }
        }
    }

    /// Creates the job in both and ingests `rows` in batches of `batch` through each store's `IngestSink`.
    func withPair(rows: [IngestRow], batch: Int, chunkSize: Int, _ body: (Pair) async throws -> Void) async throws {
        let clock = SteppedClock(1_000)
        let sqlite = try SQLiteStateStore(path: TemporaryFiles.root! + "/state.sqlite", clock: clock)
        try await TestServer.withDatabase { location in
            try await TestServer.withStateStores(1, location, clock: clock) { stores in
                let postgres = stores[0]
                let settings = ProtocolJob.settings(chunkSize: chunkSize)
                let sqliteJob = try sqlite.createJob(name: "spring", settings: settings, inputFingerprint: "fp")
                let postgresJob = try postgres.createJob(name: "spring", settings: settings, inputFingerprint: "fp")
                #expect(postgresJob.settings == sqliteJob.settings && postgresJob.phase == .ingesting)
                let pair = Pair(sqlite: sqlite, postgres: postgres, sqliteJob: sqliteJob.id, postgresJob: postgresJob.id, clock: clock)
                clock.set(1_001)
                try pair.same("header") { store, job in
                    try store.setHeader(jobID: job, header: ["phone", "name"])
                    try store.storeSuppression(jobID: job, numbers: [244_923_000_004])
                    return 0
                }
                let sinks = try pair.both.map { try $0.store.ingestWriter(jobID: $0.job, kind: .batch, chunkSize: chunkSize, groupsTexts: false) }
                #expect(sinks[0].chunkSize == sinks[1].chunkSize && sinks[0].groupsTexts == sinks[1].groupsTexts)
                var start = 0
                while start < rows.count {
                    let end = min(start + batch, rows.count)
                    clock.set(clock.now() + 1)
                    for sink in sinks { try sink.write(Array(rows[start..<end]), offset: Int64(end * 100), line: end + 1, rowCount: end) }
                    start = end
                }
                #expect(sinks[0].written == sinks[1].written, "rows written by status")
                clock.set(clock.now() + 1)
                #expect(try sinks[0].complete(textGroups: nil) == sinks[1].complete(textGroups: nil), "planned requests")
                try pair.same("usable row count") { try $0.usableRowCount(jobID: $1) }
                try pair.same("last row") { try $0.lastRow(jobID: $1) }
                try pair.expectSameReads()
                try await body(pair)
            }
        }
    }

    /// Ingest over several pages of the walks, the cut, then in flight, accepted, not processed (429) and
    /// driven again without a new take, in doubt, a refused resolve, a changed input appended: the same
    /// answers from both stores after every step.
    @Test func oneJobThroughTheProtocolAnswersAlikeInBothStores() async throws {
        // More rows than a page of the walks (1,000), so page boundaries are crossed.
        let rows = (1...2_300).map { n in
            ProtocolJob.row(n, status: n % 97 == 0 ? .invalid : n % 89 == 0 ? .duplicate : .pending)
        }
        try await withPair(rows: rows, batch: 700, chunkSize: 500) { pair in
            let clock = pair.clock
            @discardableResult
            func step() -> Double {
                clock.set(clock.now() + 1)
                return clock.now()
            }
            step()
            try pair.same("cut") { try $0.cutChunks(jobID: $1, recipients: 10_000, grouped: false) }
            try pair.expectSameReads()

            // Take, send, accept chunk 0.
            var now = step()
            let first = try pair.same("first take") { try $0.takeNextChunk(jobID: $1, after: -1, lane: nil)?.seq }
            #expect(first == 0)
            let attempt0 = try pair.same("attempt id") { try ProtocolJob.inFlight($0, job: $1, seq: 0, at: now) }
            try pair.expectSameReads()
            step()
            try pair.same("accepted") { store, job in
                try store.markAccepted(
                    jobID: job, seq: 0, campaignID: "cmp-0", messageID: nil, httpStatus: 202, traceID: "t-0", attemptID: attempt0)
                return 0
            }
            try pair.expectSameReads()

            // Chunk 1: a 429 puts it back to pending (the shared state clears its lease); the sender drives it
            // again without taking it anew, and this time the answer is lost: in doubt.
            now = step()
            try pair.same("second take") { try $0.takeNextChunk(jobID: $1, after: 0, lane: .batches)?.seq }
            let attempt1 = try pair.same("attempt id") { try ProtocolJob.inFlight($0, job: $1, seq: 1, at: now) }
            step()
            try pair.same("not processed") { store, job in
                try store.markNotProcessed(jobID: job, seq: 1, notBefore: now + 60, error: Self.rateLimited, attemptID: attempt1)
                return 0
            }
            try pair.expectSameReads()
            now = step()
            let attempt2 = try pair.same("attempt id") { try ProtocolJob.inFlight($0, job: $1, seq: 1, at: now) }
            step()
            try pair.same("in doubt") { store, job in
                try store.markInDoubt(jobID: job, seq: 1, notBefore: nil, error: Self.timeout, attemptID: attempt2)
                return 0
            }
            try pair.expectSameReads()
            try pair.same("next open, status read") { try $0.nextOpenChunk(jobID: $1, after: -1, lane: nil)?.seq }
            try pair.same("throughput") { try $0.throughput(jobID: $1) }
            try pair.same("last error") { try $0.lastError(jobID: $1).map { "\($0.chunk) \($0.error)" } }

            // A refusal by the rules is the same StateStoreError from both: row 1 is in an accepted chunk.
            try pair.same("resolve refused") { store, job in
                try ProtocolJob.refusal { try store.resolveInDoubt(jobID: job, row: 1, as: .sent, force: true) }
            }
            try pair.same("restart refused") { store, job in
                try ProtocolJob.refusal { try store.restartIngest(jobID: job, inputFingerprint: "fp2") }
            }

            // A changed input: five more rows, one of them a number the job already has.
            step()
            try pair.same("queued from the changed input") { store, job in
                try store.appendChangedInput(jobID: job, inputFingerprint: "fp2") { last, write in
                    try write((1...5).map { n in
                        var row = ProtocolJob.row(last + n)
                        if n == 3 { row.e164 = 244_923_000_010 }
                        return row
                    })
                }
            }
            try pair.expectSameReads()
        }
    }
}
