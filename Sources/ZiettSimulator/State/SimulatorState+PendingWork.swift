/// One piece of POST work running apart from its request: how to hurry it and how to wait for it.
struct PendingWork: Sendable {
    /// Cuts its delay short (the work itself still runs).
    let hurry: @Sendable () -> Void
    /// Returns once it has finished.
    let wait: @Sendable () async -> Void
}

extension SimulatorState {
    /// Runs `operation` after `delay` seconds in a task of its own, so that it completes even if the request
    /// that asked for it is cancelled (client gone, connection closed): a real API does not undo work when
    /// the client stops listening.
    ///
    /// The task is kept until it finishes; `hurryPendingWork()` and `drainPendingWork()` let `stop()`
    /// finish every piece deterministically. The caller awaits the returned task's value to answer.
    func runApart<T: Sendable>(
        after delay: Double, _ operation: @escaping @Sendable () async throws -> T
    ) -> Task<T, any Error> {
        let number = nextWorkNumber
        nextWorkNumber += 1
        let delay = stopping ? 0 : delay
        // Isolated to this actor (it uses `pendingWork`), so it cannot start, nor remove its entry,
        // before the entry is stored below. `operation` is nonisolated and runs off the actor.
        let task = Task<T, any Error> {
            defer { pendingWork[number] = nil }
            if delay > 0 {
                // Cancellation only comes from `hurryPendingWork()`: it ends the delay, not the work.
                try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            }
            return try await operation()
        }
        pendingWork[number] = PendingWork(hurry: { task.cancel() }, wait: { _ = await task.result })
        return task
    }

    /// Ends the delays of pending work now and skips them for any work started later.
    func hurryPendingWork() {
        stopping = true
        for work in pendingWork.values { work.hurry() }
    }

    /// Waits until no work is pending.
    func drainPendingWork() async {
        while let work = pendingWork.values.first {
            await work.wait()
        }
    }
}
