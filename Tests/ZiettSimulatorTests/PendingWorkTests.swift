import Testing
@testable import ZiettSimulator

/// `SimulatorState.runApart`: the mechanism behind slow work, checked without sockets.
///
/// Hummingbird 2.28 does not cancel a handler when its client goes away, so the HTTP tests in
/// `SlowWorkTests` would pass without it; this checks the promise itself: whoever cancels the request's
/// task, the work is neither cancelled nor abandoned.
@Suite struct PendingWorkTests {
    actor Recorder {
        var runs = 0
        var sawCancellation = false
        func ran(cancelled: Bool) {
            runs += 1
            sawCancellation = sawCancellation || cancelled
        }
    }

    @Test func cancellingTheRequestNeitherCancelsNorAbandonsTheWork() async throws {
        let state = try SimulatorState(configuration: .unlimited)
        let recorder = Recorder()
        let request = Task {
            try await state.runApart(after: 0.3) { await recorder.ran(cancelled: Task.isCancelled) }.value
        }
        request.cancel()
        _ = await request.result
        #expect(await eventually { await recorder.runs == 1 })
        #expect(await recorder.sawCancellation == false)
        await state.drainPendingWork()
        #expect(await state.pendingWork.isEmpty)
    }

    @Test func hurryingEndsTheDelayButStillDoesTheWork() async throws {
        let state = try SimulatorState(configuration: .unlimited)
        let recorder = Recorder()
        _ = await state.runApart(after: 600) { await recorder.ran(cancelled: false) }
        #expect(await state.pendingWork.count == 1)
        let clock = ContinuousClock()
        let started = clock.now
        await state.hurryPendingWork()
        await state.drainPendingWork()
        #expect(clock.now - started < .seconds(10))
        #expect(await recorder.runs == 1)
        #expect(await state.pendingWork.isEmpty)
    }
}
