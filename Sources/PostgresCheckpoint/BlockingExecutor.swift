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
final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    /// Jobs to run, in order; guarded by `condition`.
    private var jobs: [UnownedJob] = []

    init(name: String) {
        // The thread holds the executor (it lives as long as the process, as its loop does): with an unowned
        // reference, an executor freed before its thread had started (a store opened and closed at once)
        // crashed the process when the thread first read it.
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

    /// Runs jobs for as long as the process lives (one thread per open PostgreSQL state).
    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Runs `operation` here and returns its result (or throws its error) to the waiting caller.
    func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task(executorPreference: self) {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            box.set(result)
            done.signal()
        }
        done.wait()
        return try box.get()
    }
}

/// A result handed from the executor's thread to the waiting caller (the semaphore orders the two).
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) { result = value }

    func get() throws -> T {
        guard let result else { preconditionFailure("BlockingExecutor: no result after the operation signalled") }
        return try result.get()
    }
}
