public import Checkpoint

/// The one clock of a run: wall time for what is recorded and compared with stored times, monotonic
/// time for waiting.
///
/// Injected everywhere the send core reads time or waits (dispatcher, gate, list reader, tracker), so a
/// test drives time with a `ManualClock`: a backoff schedule or "look up no earlier than t" runs in
/// milliseconds, with no real sleep deciding anything.
public protocol JobClock: WallClock {
    /// Seconds on a monotonic clock (from an arbitrary origin): what waits are measured with, so a
    /// wall-clock step (NTP, an operator setting the date) neither shortens nor stretches a wait.
    func monotonicNow() -> Double
    /// Waits `seconds` of monotonic time (≤ 0: returns at once).
    func sleep(for seconds: Double) async
}

/// The system clock: `Date` for wall time, `ContinuousClock` (through `Task.sleep`) for waiting.
public struct SystemClock: JobClock {
    private let wall = SystemWallClock()
    private let origin = ContinuousClock.now

    /// Creates the system clock.
    public init() {}

    public func now() -> Double { wall.now() }

    public func monotonicNow() -> Double {
        let elapsed = origin.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }

    public func sleep(for seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
    }
}
