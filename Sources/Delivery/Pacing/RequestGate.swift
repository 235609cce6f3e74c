import Checkpoint
public import ZiettAPI
public import ZiettClient

/// Where every request of a run waits its turn: the `RequestSchedule`'s verdict, carried out with the
/// run's clock and stop flag.
///
/// Sends and look-ups of one run go through one gate, so they share the key's budgets: a look-up's
/// pages and the tracker's scans are paced by the same read budget.
public final class RequestGate {
    /// The rules (pure).
    public private(set) var schedule: RequestSchedule
    /// The run's clock.
    public let clock: any JobClock
    let stop: StopFlag

    /// What waiting for the gate came to.
    public enum Pass: Sendable, Equatable {
        /// The request may leave now.
        case go
        /// A stop was requested while waiting.
        case stopped
        /// The request may leave only after the longest wait a run sits through.
        case tooFar(until: Double)
    }

    /// Creates a gate.
    public init(schedule: RequestSchedule, clock: any JobClock, stop: StopFlag) {
        self.schedule = schedule
        self.clock = clock
        self.stop = stop
    }

    /// Waits until a request to `endpoint` may leave, not before `notBefore`, and while `window` (the
    /// earliest open time at or after t; see `RequestSchedule.gate`) is open.
    public func pass(_ endpoint: ZiettEndpoint, notBefore: Double? = nil, window: ((Double) -> Double?)? = nil) async -> Pass {
        while true {
            if stop.isRequested { return .stopped }
            switch schedule.gate(endpoint, notBefore: notBefore, window: window, now: clock.now()) {
            case .go: return .go
            case .tooFar(let until): return .tooFar(until: until)
            case .wait(let until):
                guard await stop.sleep(until: until, clock: clock) else { return .stopped }
            }
        }
    }

    /// Counts a request to `endpoint` whose answer (or failure) just came, and takes in the answer's
    /// rate-limit headers.
    public func record(_ endpoint: ZiettEndpoint, _ result: Result<ZiettHTTPResponse, ZiettTransportError>) {
        let now = clock.now()
        schedule.record(endpoint, at: now)
        if case .success(let response) = result {
            schedule.observe(
                endpoint, retryAfter: response.retryAfter, remaining: response.rateLimitRemaining, reset: response.rateLimitReset,
                now: now)
        }
    }

}
