import Checkpoint
import PostgresCheckpoint
import PostgresNIO
import Testing

@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct InFlightTests {
    @Test func commitsTheIntentUnderALiveLease() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 1)
                _ = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000))
                let attemptID = try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_005)
                let stored = try #require(try await store.chunk(jobID: jobID, seq: 0))
                #expect(stored.chunk.state == .inflight)
                #expect(stored.chunk.inDoubt)
                #expect(stored.chunk.attempts == 1)
                #expect(stored.chunk.lastAttemptAt == 1_005)
                #expect(stored.chunk.name == "zb-0")
                #expect(stored.chunk.body == Array("{\"seq\":0}".utf8))
                #expect(stored.holder == "a")
                let attempts = try await TestServer.withRawConnection(location) { connection in
                    var attempts: [(Int64, Int, String, Double)] = []
                    let rows = try await connection.query("SELECT id, chunk_seq, endpoint, started_at FROM attempt", logger: TestServer.logger)
                    for try await attempt in rows.decode((Int64, Int, String, Double).self) { attempts.append(attempt) }
                    return attempts
                }
                #expect(attempts.count == 1)
                let attempt = try #require(attempts.first)
                #expect(attempt.0 == attemptID && attempt.1 == 0 && attempt.2 == "/campaigns/batch" && attempt.3 == 1_005)
            }
        }
    }

    /// The lease expired and another host took the chunk: the old holder's intent commit is refused and
    /// changes nothing, so its request never leaves; the new holder's goes through.
    @Test func refusesWhenTheLeaseWasLost() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 1)
                _ = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000))
                // Expired, not yet taken over.
                await #expect(throws: PostgresStateError(.leaseLost(jobID: jobID, seq: 0, holder: "a"))) {
                    try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_030)
                }
                _ = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_031))
                // Taken over: even "a"'s clock saying the old lease is live does not help.
                await #expect(throws: PostgresStateError(.leaseLost(jobID: jobID, seq: 0, holder: "a"))) {
                    try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_010)
                }
                let untouched = try #require(try await store.chunk(jobID: jobID, seq: 0))
                #expect(untouched.chunk.state == .pending && untouched.chunk.attempts == 0 && untouched.chunk.body == nil)

                try await store.markInFlight(jobID: jobID, seq: 0, holder: "b", at: 1_032)
                #expect(try await store.chunk(jobID: jobID, seq: 0)?.chunk.attempts == 1)
            }
        }
    }

    @Test func refusesWithoutALease() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 1)
                await #expect(throws: PostgresStateError(.leaseLost(jobID: jobID, seq: 0, holder: "a"))) {
                    try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_000)
                }
                await #expect(throws: PostgresStateError(.noSuchChunk(jobID: jobID, seq: 7))) {
                    try await store.markInFlight(jobID: jobID, seq: 7, holder: "a", at: 1_000)
                }
            }
        }
    }

    /// Compare-and-set on the state too: a chunk already in flight (a second commit by the same holder) is
    /// refused, as `StateStore.markInFlight` refuses it.
    @Test func refusesAChunkThatIsNoLongerPending() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 1)
                _ = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000))
                try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_001)
                await #expect(throws: PostgresStateError(.chunkChangedUnderneath(jobID: jobID, seq: 0, found: "inflight"))) {
                    try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_002)
                }
                #expect(try await store.chunk(jobID: jobID, seq: 0)?.chunk.attempts == 1)
            }
        }
    }
}
