import Checkpoint
import PostgresCheckpoint
import PostgresNIO
import Testing

@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct LeaseTests {
    /// Hosts leasing at the same time: every chunk is leased exactly once, none twice, none missed.
    @Test func concurrentLeasersShareTheChunksWithoutOverlap() async throws {
        let chunkCount = 300
        try await TestServer.withDatabase { location in
            let jobID = try await TestServer.withStore(location) { try await $0.makeJob(chunks: chunkCount) }
            let hosts = ["host-a", "host-b", "host-c"]
            let leased = try await withThrowingTaskGroup(of: (String, [Int]).self) { group in
                for host in hosts {
                    group.addTask {
                        try await TestServer.withStore(location) { store in
                            var seqs: [Int] = []
                            while let lease = try await store.leaseNextChunk(jobID: jobID, holder: host, leaseSeconds: 600, now: 1_000) {
                                #expect(lease.holder == host)
                                #expect(lease.chunk.state == .pending)
                                #expect(!lease.needsLookUp)
                                seqs.append(lease.chunk.seq)
                            }
                            return (host, seqs)
                        }
                    }
                }
                return try await group.reduce(into: [String: [Int]]()) { $0[$1.0] = $1.1 }
            }
            let all = hosts.flatMap { leased[$0] ?? [] }
            #expect(all.count == chunkCount, "a chunk leased twice, or one missed: \(hosts.map { leased[$0]?.count ?? 0 })")
            #expect(Set(all) == Set(0..<chunkCount))
            // What the database says agrees with what each host was told.
            let stored = try await TestServer.withStore(location) { try await $0.leases(jobID: jobID) }
            #expect(stored.count == chunkCount)
            for lease in stored { #expect(leased[lease.holder ?? ""]?.contains(lease.chunk.seq) == true) }
        }
    }

    @Test func aLiveLeaseIsSkippedAndAnExpiredPendingOneIsTakenWithoutLookUp() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 2)
                let first = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000))
                #expect(first.chunk.seq == 0)
                #expect(first.expiresAt == 1_030)
                let second = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_010))
                #expect(second.chunk.seq == 1)
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "c", leaseSeconds: 30, now: 1_029) == nil)
                // a's lease ends at 1030: the chunk is still pending (nothing was sent), so no look-up.
                let taken = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "c", leaseSeconds: 30, now: 1_030))
                #expect(taken.chunk.seq == 0)
                #expect(taken.previousHolder == "a")
                #expect(!taken.needsLookUp)
            }
        }
    }

    /// A host that committed the intent and then died: once its lease expires the chunk comes back to
    /// another host as "look it up first", with the body and key it was sent with, never as a fresh send.
    @Test func anExpiredInFlightChunkComesBackAsLookUpFirst() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 1)
                _ = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000))
                try await store.markInFlight(jobID: jobID, seq: 0, holder: "a", at: 1_001)
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_029) == nil)

                let takeover = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_031))
                #expect(takeover.needsLookUp)
                #expect(takeover.previousHolder == "a")
                #expect(takeover.holder == "b")
                #expect(takeover.chunk.state == .inflight)
                #expect(takeover.chunk.inDoubt)
                #expect(takeover.chunk.attempts == 1)
                #expect(takeover.chunk.idempotencyKey == "key-0")
                #expect(takeover.chunk.body == Array("{\"seq\":0}".utf8))
                // The old holder has lost it: it can neither renew nor release it.
                #expect(try await store.renewLease(jobID: jobID, seq: 0, holder: "a", leaseSeconds: 30, now: 1_032) == false)
                #expect(try await store.releaseLease(jobID: jobID, seq: 0, holder: "a") == false)
            }
        }
    }

    @Test func renewingKeepsTheChunkAndReleasingFreesIt() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 1)
                _ = try #require(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000))
                #expect(try await store.renewLease(jobID: jobID, seq: 0, holder: "a", leaseSeconds: 30, now: 1_020))
                #expect(try await store.chunk(jobID: jobID, seq: 0)?.expiresAt == 1_050)
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_040) == nil)
                // Renewing someone else's lease, or an expired one, fails.
                #expect(try await store.renewLease(jobID: jobID, seq: 0, holder: "b", leaseSeconds: 30, now: 1_040) == false)
                #expect(try await store.renewLease(jobID: jobID, seq: 0, holder: "a", leaseSeconds: 30, now: 1_050) == false)

                #expect(try await store.releaseLease(jobID: jobID, seq: 0, holder: "a"))
                let released = try #require(try await store.chunk(jobID: jobID, seq: 0))
                #expect(released.holder == nil && released.expiresAt == nil)
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "b", leaseSeconds: 30, now: 1_040)?.chunk.seq == 0)
            }
        }
    }

    @Test func finishedChunksAreNeverLeased() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { store in
                let jobID = try await store.makeJob(chunks: 3)
                try await TestServer.withRawConnection(location) { connection in
                    try await connection.query(
                        "UPDATE chunk SET state = 'accepted' WHERE seq = 0", logger: TestServer.logger)
                    try await connection.query(
                        "UPDATE chunk SET state = 'pending', not_before = 2000 WHERE seq = 1", logger: TestServer.logger)
                }
                // 0 is done, 1 waits until 2000: 2 comes first, then nothing until 2000.
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000)?.chunk.seq == 2)
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 1_000) == nil)
                #expect(try await store.leaseNextChunk(jobID: jobID, holder: "a", leaseSeconds: 30, now: 2_000)?.chunk.seq == 1)
            }
        }
    }
}
