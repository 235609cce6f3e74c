import Checkpoint
import Synchronization

/// A flag set from a signal handler and polled by the job loop: "take no new chunks".
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// Creates an unset flag.
    public init() {}
    /// Asks the run to stop after what is in flight.
    public func request() { value.store(true, ordering: .relaxed) }
    /// True once a stop was asked for.
    public var isRequested: Bool { value.load(ordering: .relaxed) }
}

extension StopFlag {
    /// Sleeps until `time` (Unix seconds, `clock`'s wall time), waking early when a stop is requested;
    /// false when stopped.
    ///
    /// The wall-clock distance is read once and then waited on the monotonic clock, so a wall-clock step
    /// during the wait (NTP, a person setting the date) neither stalls nor shortens it. Waits in steps of
    /// 100 ms at most, so SIGTERM ends any wait (pacing, backoff, `Retry-After`) within a tenth of a second.
    public func sleep(until time: Double, clock: any JobClock) async -> Bool {
        let deadline = clock.monotonicNow() + (time - clock.now())
        while true {
            if isRequested { return false }
            let left = deadline - clock.monotonicNow()
            if left <= 0 { return true }
            await clock.sleep(for: min(left, 0.1))
        }
    }
}
