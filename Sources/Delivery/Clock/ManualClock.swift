import Synchronization

/// A clock that moves only when told to: for tests.
///
/// `sleep(for:)` moves the time forward by the requested amount and returns at once, so a run that
/// would wait minutes for pacing or backoff finishes in milliseconds, and the times it records are
/// exactly the ones the rules say. `sleeps` lists every wait, for tests that check a schedule.
public final class ManualClock: JobClock {
    private let state: Mutex<(now: Double, sleeps: [Double])>

    /// Starts at `now` (Unix seconds).
    public init(now: Double = 1_800_000_000) { state = Mutex((now, [])) }

    public func now() -> Double { state.withLock { $0.now } }

    /// The same time: a manual clock has no steps of its own, only those a test makes with `advance`.
    public func monotonicNow() -> Double { state.withLock { $0.now } }

    /// Every wait asked for so far, in seconds, in order.
    public var sleeps: [Double] { state.withLock { $0.sleeps } }

    /// Moves the time forward.
    public func advance(by seconds: Double) { state.withLock { $0.now += max(0, seconds) } }

    public func sleep(for seconds: Double) async {
        state.withLock {
            $0.sleeps.append(seconds)
            $0.now += max(0, seconds)
        }
    }
}
