import Foundation
@testable import PostgresCheckpoint
import Testing

/// The caller waiting for an operation gives it up soon after the operation's connection closed, not after
/// the 600 s timeout: postgres-nio 1.33 never answers a query sent on a session the server had just ended
/// (seen by `DatabaseFaultTests` as a run hanging after `pg_terminate_backend`). No server needed: the
/// operation here names a connection that is closed, then never ends, as the driver's query did.
struct BlockingExecutorTests {
    /// An operation that never ends, its connection closed: given up within the grace (and a slice), and the
    /// executor fails every later operation at once.
    @Test(.timeLimit(.minutes(1))) func anOperationWhoseConnectionClosedIsGivenUp() throws {
        let executor = BlockingExecutor(name: "test closed connection")
        defer { executor.shutdown() }
        let started = Date()
        #expect(throws: BlockingExecutorConnectionLost.self) {
            try executor.run {
                BlockingExecutor.connectionProbe?.watch { true }
                try await Task.sleep(for: .seconds(3_600))
            }
        }
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= BlockingExecutor.closedConnectionGrace && waited < 10, "given up after \(waited) s")
        let again = Date()
        #expect(throws: BlockingExecutorConnectionLost.self) { try executor.run { 1 } }
        #expect(Date().timeIntervalSince(again) < 1, "a later operation fails at once")
    }

    /// A slow operation on an open connection is waited for, past the grace: only a closed connection ends
    /// the wait early.
    @Test func aSlowOperationOnAnOpenConnectionIsWaitedFor() throws {
        let executor = BlockingExecutor(name: "test open connection")
        defer { executor.shutdown() }
        let value = try executor.run {
            BlockingExecutor.connectionProbe?.watch { false }
            try await Task.sleep(for: .seconds(BlockingExecutor.closedConnectionGrace * 2.5))
            return 7
        }
        #expect(value == 7)
    }
}
