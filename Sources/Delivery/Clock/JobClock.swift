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

/// The system clock for one run: the wall clock read once, at the start, and advanced by the monotonic
/// clock from then on.
///
/// A run lasts minutes (a cron tick), and every time it records, compares or waits for (attempt times,
/// not-before, the pacer's window) is on this one time line, so a wall-clock step during a run (NTP, a
/// person setting the date) neither stalls a wait nor shortens one; the next run reads the wall clock
/// afresh. `ContinuousClock` keeps counting while the machine sleeps, as wall time does.
public struct SystemClock: JobClock {
    private let wallAtStart: Double
    private let start: ContinuousClock.Instant

    /// Creates a clock anchored at the wall clock's time now, shifted by `offset` seconds.
    ///
    /// The offset is for end-to-end tests only (`ZIETT_BATCH_CLOCK_OFFSET`, see `SystemClock.testOffset`):
    /// it lets a test run the real binary at a fixed "now" (a send window's opening, a campaign's end)
    /// without waiting for it. Production passes nothing.
    public init(offset: Double = 0) {
        wallAtStart = SystemWallClock().now() + offset
        start = ContinuousClock.now
    }

    /// The environment variable that shifts the CLI's clock, in seconds (tests only; unset in production).
    public static let testOffsetVariable = "ZIETT_BATCH_CLOCK_OFFSET"

    /// The test-only clock offset from `environment` (0 when unset, not a finite number, or in a release
    /// build: an installed binary never runs on a shifted clock, which would shift send windows, campaign
    /// ends and the key's shared budget for every job on the key).
    public static func testOffset(environment: [String: String]) -> Double {
        #if DEBUG
        guard let offset = environment[testOffsetVariable].flatMap(Double.init), offset.isFinite else { return 0 }
        return offset
        #else
        return 0
        #endif
    }

    public func now() -> Double { wallAtStart + monotonicNow() }

    public func monotonicNow() -> Double {
        let elapsed = start.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
    }

    public func sleep(for seconds: Double) async {
        guard seconds > 0 else { return }
        try? await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
    }
}
