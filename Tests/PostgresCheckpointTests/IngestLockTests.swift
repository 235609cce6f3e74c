import PostgresCheckpoint
import PostgresNIO
import Testing

@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct IngestLockTests {
    @Test func oneHostIngestsAJobAtATime() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { hostA in
                try await TestServer.withStore(location) { hostB in
                    #expect(try await hostA.tryIngestLock(jobName: "spring") == .acquired)
                    #expect(try await hostB.tryIngestLock(jobName: "spring") == .busy)
                    // Asking again is harmless and needs no second release.
                    #expect(try await hostA.tryIngestLock(jobName: "spring") == .acquired)
                    // Another job is free.
                    #expect(try await hostB.tryIngestLock(jobName: "autumn") == .acquired)
                    #expect(try await hostA.tryIngestLock(jobName: "autumn") == .busy)

                    try await hostA.releaseIngestLock(jobName: "spring")
                    #expect(try await hostB.tryIngestLock(jobName: "spring") == .acquired)
                    #expect(try await hostA.tryIngestLock(jobName: "spring") == .busy)
                }
            }
        }
    }

    /// Asking twice at once on one database takes the server's (stacking) session lock once, so one
    /// release frees it for the other hosts.
    @Test func concurrentAsksOnOneDatabaseNeedOneRelease() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { hostA in
                try await TestServer.withStore(location) { hostB in
                    async let first = hostA.tryIngestLock(jobName: "spring")
                    async let second = hostA.tryIngestLock(jobName: "spring")
                    #expect(try await [first, second] == [.acquired, .acquired])
                    try await hostA.releaseIngestLock(jobName: "spring")
                    #expect(try await hostB.tryIngestLock(jobName: "spring") == .acquired)
                }
            }
        }
    }

    /// A host that dies mid-ingest (its backend terminated, as when its connection drops) frees the lock.
    @Test func aDeadHostFreesTheIngestLock() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { hostA in
                try await TestServer.withStore(location) { hostB in
                    #expect(try await hostA.tryIngestLock(jobName: "spring") == .acquired)
                    #expect(try await hostB.tryIngestLock(jobName: "spring") == .busy)
                    try await TestServer.withRawConnection(location) { connection in
                        // Waits (up to 10 s) until the backend has exited and released its locks.
                        let terminated = try await connection.values(
                            """
                            SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
                            WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                            """, as: Bool.self)
                        #expect(terminated == [true])
                    }
                    #expect(try await hostB.tryIngestLock(jobName: "spring") == .acquired)
                }
            }
        }
    }
}
