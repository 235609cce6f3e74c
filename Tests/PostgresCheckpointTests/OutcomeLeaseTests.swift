import Checkpoint
import PostgresCheckpoint
import PostgresNIO
import Testing

/// Outcomes under the lease, with two hosts (two connections) on one job: a host whose lease expired or
/// was taken over records nothing; leaving `inflight` frees the chunk; a person's resolution waits for a
/// host that is working on the chunk.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct OutcomeLeaseTests {
    static let error = RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "bad", traceID: "t")

    /// Two hosts on a new database with a batch job of six rows cut into two chunks of three; host "a"
    /// leased chunk 0 at 1,000 for 30 s and committed its intent at 1,001 (attempt 1).
    func withTwoHosts(_ body: (PostgresLocation, Int64, PostgresStateDatabase, PostgresStateDatabase) async throws -> Void) async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStores(2, location) { stores in
                let (a, b) = (stores[0], stores[1])
                try await a.migrate(now: 1_000)
                let jobID = try await a.createJob(name: "spring", uuid: "u", settings: "{}", inputFingerprint: "fp", now: 1_000)
                _ = try await a.beginIngest(jobID: jobID, kind: .batch, chunkSize: 3)
                let rows = (1...6).map {
                    IngestRow(row: $0, line: $0 + 1, phone: "\($0)", e164: 244_923_000_000 + UInt64($0), status: .pending, reason: nil, content: nil)
                }
                try await a.storeIngestBatch(jobID: jobID, rows: rows, offset: 60, line: 7, rowCount: 6, now: 1_000)
                _ = try await a.completeIngest(jobID: jobID, now: 1_000)
                #expect(try await a.cutChunks(jobID: jobID, now: 1_000) == 2)
                #expect(try await a.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000)?.chunk.seq == 0)
                try await a.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_001)
                try await body(location, jobID, a, b)
            }
        }
    }

    /// Every stored row of the job's tables, lease columns included.
    func snapshot(_ location: PostgresLocation) async throws -> [[[StoredValue]]] {
        try await TestServer.withRawConnection(location) { connection in
            var tables: [[[StoredValue]]] = []
            for table in StoredTable.all { tables.append(try await table.rows(in: connection)) }
            tables.append(try await StoredTable.leases.rows(in: connection))
            return tables
        }
    }

    /// Host "a" tries every outcome on chunk 0 at `now`; each must throw `expected` and change nothing.
    func expectEveryOutcomeRefused(
        by a: PostgresStateDatabase, jobID: Int64, at now: Double, location: PostgresLocation, expected: PostgresStateError
    ) async throws {
        let before = try await snapshot(location)
        await #expect(throws: expected) {
            try await a.markAccepted(
                jobID: jobID, seq: 0, holder: "a", campaignID: "c", messageID: nil, httpStatus: 202, traceID: nil, attemptID: 1, now: now)
        }
        await #expect(throws: expected) {
            try await a.markRejected(jobID: jobID, seq: 0, holder: "a", error: Self.error, attemptID: 1, now: now)
        }
        await #expect(throws: expected) {
            try await a.markNotProcessed(jobID: jobID, seq: 0, holder: "a", notBefore: nil, error: Self.error, attemptID: 1, now: now)
        }
        await #expect(throws: expected) {
            try await a.markInDoubt(jobID: jobID, seq: 0, holder: "a", notBefore: nil, error: Self.error, attemptID: 1, now: now)
        }
        await #expect(throws: expected) {
            try await a.split(jobID: jobID, seq: 0, holder: "a", rejectedRows: [1: "no"], error: Self.error, attemptID: 1, now: now)
        }
        #expect(try await snapshot(location) == before, "a refused outcome changes nothing")
    }

    @Test func anOutcomeAfterTheLeaseWasTakenOverIsRefusedAndChangesNothing() async throws {
        try await withTwoHosts { location, jobID, a, b in
            let taken = try #require(try await b.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_031))
            #expect(taken.chunk.seq == 0 && taken.needsLookUp && taken.previousHolder == "a")
            // Even with a clock that says its old lease is live, "a" records nothing.
            try await expectEveryOutcomeRefused(
                by: a, jobID: jobID, at: 1_010, location: location, expected: PostgresStateError(.leaseLost(jobID: jobID, seq: 0, holder: "a")))
            // The new holder's look-up found the batch: recorded, and the chunk is free of leases.
            try await b.markAccepted(
                jobID: jobID, seq: 0, holder: "b", campaignID: "cmp", messageID: nil, httpStatus: 200, traceID: nil, attemptID: nil, now: 1_032)
            let stored = try #require(try await b.chunk(jobID: jobID, seq: 0))
            #expect(stored.chunk.state == .accepted && stored.chunk.campaignID == "cmp" && stored.holder == nil && stored.expiresAt == nil)
            #expect(try await b.counts(jobID: jobID).recipients(.sent) == 3)
        }
    }

    @Test func anOutcomeAfterTheLeaseExpiredIsRefusedEvenWhenNobodyTookItOver() async throws {
        try await withTwoHosts { location, jobID, a, _ in
            try await expectEveryOutcomeRefused(
                by: a, jobID: jobID, at: 1_030, location: location, expected: PostgresStateError(.leaseLost(jobID: jobID, seq: 0, holder: "a")))
        }
    }

    @Test func anOutcomeWithoutAnyLeaseIsRefused() async throws {
        try await withTwoHosts { location, jobID, a, _ in
            try await a.releaseLease(jobID: jobID, seq: 0, holder: "a")
            try await expectEveryOutcomeRefused(
                by: a, jobID: jobID, at: 1_002, location: location, expected: PostgresStateError(.leaseLost(jobID: jobID, seq: 0, holder: "a")))
        }
    }

    /// Chunk 1 is pending and leased by "b" (about to commit its intent): "a" recording an outcome on it
    /// would race that commit, so it is refused.
    @Test func anOutcomeForAPendingChunkIsRefusedWhileAnotherHostLeasesIt() async throws {
        try await withTwoHosts { location, jobID, a, b in
            #expect(try await b.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_002)?.chunk.seq == 1)
            let before = try await snapshot(location)
            await #expect(throws: PostgresStateError(.leasedByAnother(jobID: jobID, seq: 1, holder: "b"))) {
                try await a.markRejected(jobID: jobID, seq: 1, holder: "a", error: Self.error, attemptID: nil, now: 1_003)
            }
            #expect(try await snapshot(location) == before)
        }
    }

    /// In doubt, the chunk stays in flight under its holder's lease; proven absent, it is pending and free at
    /// once for any host, without waiting for the lease to run out.
    @Test func inDoubtKeepsTheLeaseAndLeavingInFlightClearsIt() async throws {
        try await withTwoHosts { _, jobID, a, b in
            try await a.markInDoubt(
                jobID: jobID, seq: 0, holder: "a", notBefore: nil, error: RecordedError(httpStatus: nil, code: "TIMEOUT", message: ""),
                attemptID: 1, now: 1_002)
            #expect(try await a.chunk(jobID: jobID, seq: 0)?.holder == "a")
            #expect(try await b.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_003)?.chunk.seq == 1)
            try await a.markNotProcessed(jobID: jobID, seq: 0, holder: "a", notBefore: nil, error: nil, attemptID: nil, now: 1_004)
            let stored = try #require(try await a.chunk(jobID: jobID, seq: 0))
            #expect(stored.chunk.state == .pending && stored.holder == nil && stored.expiresAt == nil)
            #expect(try await b.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_005)?.chunk.seq == 0)
        }
    }

    /// A person resolving an ambiguous look-up waits while a host holds a live lease on the chunk (it is
    /// looking it up), and goes through once that lease has expired.
    @Test func resolveInDoubtIsRefusedWhileAnotherHostHoldsALiveLease() async throws {
        try await withTwoHosts { location, jobID, a, b in
            try await a.markInDoubt(
                jobID: jobID, seq: 0, holder: "a", notBefore: nil,
                error: RecordedError(httpStatus: nil, code: "AMBIGUOUS_MATCH", message: "two"), attemptID: 1, now: 1_002)
            let before = try await snapshot(location)
            await #expect(throws: PostgresStateError(.leasedByAnother(jobID: jobID, seq: 0, holder: "a"))) {
                try await b.resolveInDoubt(jobID: jobID, row: 2, as: .sent, holder: "operator", now: 1_010)
            }
            #expect(try await snapshot(location) == before)
            #expect(try await b.resolveInDoubt(jobID: jobID, row: 2, as: .sent, holder: "operator", now: 1_031) == 0)
            let stored = try #require(try await b.chunk(jobID: jobID, seq: 0))
            #expect(stored.chunk.state == .accepted && stored.holder == nil)
            await #expect(throws: PostgresStateError(.notInDoubt(jobID: jobID, row: 2))) {
                try await b.resolveInDoubt(jobID: jobID, row: 2, as: .sent, holder: "operator", now: 1_032)
            }
        }
    }
}

extension StoredTable {
    /// The PostgreSQL state's lease columns.
    static let leases = StoredTable(
        name: "chunk", columns: [("job_id", .integer), ("seq", .integer), ("lease_holder", .text), ("lease_expires_at", .real)],
        order: "job_id, seq")
}
