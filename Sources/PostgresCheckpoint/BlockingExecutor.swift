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
    /// Set when an operation outlived its timeout: it still holds the connection, so every later one would
    /// wait out its own timeout behind it; they fail at once instead. Guarded by `condition`.
    private var givenUp: Double?

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

    func run<T: Sendable>(timeout: Double = operationTimeout, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        condition.lock()
        guard !stopping else {
            condition.unlock()
            throw BlockingExecutorStopped()
        }
        if let givenUp {
            condition.unlock()
            throw BlockingExecutorTimeout(seconds: givenUp)
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
        Task(executorPreference: self) {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            box.set(result)
            done.signal()
        }
        // Timed out: the operation is left where it hangs (the store is given up; its thread ends with it).
        guard done.wait(timeout: .now() + timeout) == .success else {
            condition.withLock { givenUp = timeout }
            throw BlockingExecutorTimeout(seconds: timeout)
        }
        return try box.get()
    }
}

/// An operation on the PostgreSQL state that did not end in time (a connection that hangs): a store failure.
struct BlockingExecutorTimeout: StateFileFailure {
    let seconds: Double
    var description: String { "no answer from the PostgreSQL state within \(Int(seconds)) s: the connection is given up" }
}

/// `BlockingExecutor.run` after `shutdown()`: the store it served is closed.
struct BlockingExecutorStopped: Error {}

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
