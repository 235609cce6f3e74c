import Checkpoint
import Foundation

/// Runs an async operation to its end on a thread of its own and waits for it from synchronous code: how
/// the synchronous `StateStore` seam reaches the PostgreSQL driver, which is async.
///
/// Why a thread of its own and not `Task { … }` plus a semaphore: the caller may itself be on Swift's
/// cooperative pool (the dispatcher is async), which has as many threads as cores (2 here). A task on the
/// pool that the blocked caller waits for needs another pool thread; two such callers at once would
/// deadlock. Here the task prefers this executor (SE-0417), so its code, and the actor it calls (a default
/// actor runs on its caller's preferred task executor), run on this thread; the driver's I/O runs on
/// NIO's event loop threads. Neither needs the pool.
///
/// Not re-entrant: an operation running here must not call `run` again (it would wait for itself).
/// `PostgresStateStore` keeps callers' closures out of operations for that reason.
///
/// Its thread holds it until `shutdown()` (`PostgresStateStore.close()`): the thread then ends once no
/// `run` is under way, so a closed store leaves no thread behind, and a `run` racing the shutdown still
/// has its jobs run instead of waiting for ever.
final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    /// Jobs to run, in order; guarded by `condition`.
    private var jobs: [UnownedJob] = []
    /// `run` calls under way (admitted, not yet returned); guarded by `condition`.
    private var active = 0
    /// Set by `shutdown()`; guarded by `condition`.
    private var stopping = false
    /// Set when an operation was given up (it outlived its timeout, or its connection closed under it): it
    /// still holds the connection, so every later one would wait behind it; they fail at once instead, with
    /// this error. Guarded by `condition`.
    private var givenUp: (any Error)?

    init(name: String) {
        // Strong: the thread keeps its executor until the loop ends, never a dangling condition.
        let thread = Thread { self.loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs jobs until `shutdown()` and the last admitted `run` has returned (one thread per open state).
    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !(stopping && active == 0) { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Lets the thread end once every `run` under way has returned; a later `run` throws
    /// `BlockingExecutorStopped`. Idempotent.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    /// Runs `operation` here and returns its result (or throws its error) to the waiting caller. Throws
    /// `BlockingExecutorStopped` after `shutdown()`.
    /// The longest a caller waits for one operation. The driver was seen to wait for ever on a session the
    /// server had ended; a store whose operation outlives this is given up (`BlockingExecutorTimeout`, the
    /// run ends with exit 74, the next one connects afresh). Long enough for the longest single operation:
    /// cutting a job of millions of rows at once.
    static let operationTimeout = 600.0

    /// How long an operation may go on once the connection it uses has closed, before it is given up. A query
    /// under way when the server ends the session fails within milliseconds with the server's message (57P01);
    /// one sent just after the close never ends: postgres-nio 1.33 writes it to the closed channel without a
    /// promise, so nothing ever fails it (seen when `pg_terminate_backend` landed right after the connect).
    static let closedConnectionGrace = 1.0

    /// The operation under way's connection check, which the operation sets (`PostgresStateDatabase.serially`)
    /// and the waiting caller polls. A task-local, so the synchronous caller needs no handle of the database.
    @TaskLocal static var connectionProbe: ConnectionProbe?

    func run<T: Sendable>(timeout: Double = operationTimeout, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        condition.lock()
        guard !stopping else {
            condition.unlock()
            throw BlockingExecutorStopped()
        }
        if let givenUp {
            condition.unlock()
            throw givenUp
        }
        active += 1
        condition.unlock()
        defer {
            condition.lock()
            active -= 1
            condition.signal()
            condition.unlock()
        }
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        let probe = ConnectionProbe()
        Task(executorPreference: self) {
            let result: Result<T, any Error>
            do { result = .success(try await Self.$connectionProbe.withValue(probe) { try await operation() }) } catch { result = .failure(error) }
            box.set(result)
            done.signal()
        }
        // Given up (timed out, or its connection closed under it): the operation is left where it hangs (the
        // store is given up; its thread ends with it).
        let deadline = DispatchTime.now() + timeout
        var closedSince: DispatchTime?
        while done.wait(timeout: min(deadline, .now() + Self.closedConnectionGrace / 2)) != .success {
            let now = DispatchTime.now()
            let error: any Error
            if now >= deadline {
                error = BlockingExecutorTimeout(seconds: timeout)
            } else if probe.isClosed {
                let since = closedSince ?? now
                closedSince = since
                guard now >= since + Self.closedConnectionGrace else { continue }
                error = BlockingExecutorConnectionLost(seconds: Self.closedConnectionGrace)
            } else {
                continue
            }
            condition.withLock { givenUp = error }
            throw error
        }
        return try box.get()
    }
}

/// An operation on the PostgreSQL state that did not end in time (a connection that hangs): a store failure.
struct BlockingExecutorTimeout: StateFileFailure {
    let seconds: Double
    var description: String { "no answer from the PostgreSQL state within \(Int(seconds)) s: the connection is given up" }
}

/// An operation still under way `seconds` after its connection closed (a query sent on a session the server
/// had just ended, which the driver never fails): a store failure, the run ends with exit 74 and the next
/// one connects afresh.
struct BlockingExecutorConnectionLost: StateFileFailure {
    let seconds: Double
    var description: String {
        "the connection to the PostgreSQL state closed during an operation, which had no answer \(seconds) s later: the connection is given up"
    }
}

/// `BlockingExecutor.run` after `shutdown()`: the store it served is closed.
struct BlockingExecutorStopped: Error {}

/// Whether the connection of the operation under way has closed: the operation names its connection
/// (`watch`), the caller waiting for it asks (`isClosed`) from its own thread.
final class ConnectionProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var check: (@Sendable () -> Bool)?

    /// The operation's connection state, as a check safe to call from any thread.
    func watch(_ isClosed: @escaping @Sendable () -> Bool) { lock.withLock { check = isClosed } }

    /// False until an operation named its connection, then whether that connection has closed.
    var isClosed: Bool { lock.withLock { check }?() ?? false }
}

/// A result handed from the executor's thread to the waiting caller (the semaphore orders the two).
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }

    func get() throws -> T {
        guard let result = lock.withLock({ result }) else { preconditionFailure("BlockingExecutor: no result after the operation signalled") }
        return try result.get()
    }
}
