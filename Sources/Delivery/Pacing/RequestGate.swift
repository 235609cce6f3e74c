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
    /// The key's budget shared with every other job on the machine, when there is one.
    let budget: KeyBudget?

    /// What waiting for the gate came to.
    public enum Pass: Sendable, Equatable {
        /// The request may leave now.
        case go
        /// A stop was requested while waiting.
        case stopped
        /// The request may leave only after the longest wait a run sits through.
        case tooFar(until: Double)
        /// The chunk the request is for stopped being this host's while it waited, or its renewal failed
        /// (`Keep.failure` says which).
        case lost
    }

    /// What keeps a chunk this host's while its request waits at the gate: on a state several hosts share,
    /// a wait (the key's budget, a 429's pause) may outlast the chunk's lease, and another host would take
    /// the chunk up only to wait for the same budget. The renewal runs every `every` seconds of a longer
    /// wait; false when another host has the chunk.
    ///
    /// A renewal that throws is not "another host has it": the failed statement changed nothing, so the
    /// chunk is still this host's, under a lease no other host will pass over until it ends. The gate stops
    /// waiting (`.lost`) and keeps the error in `failure` for the caller to end the run with, rather than
    /// walk past the chunk and, the last host running, call the job complete with it unsent.
    public final class Keep {
        public let every: Double
        private let renewal: () throws -> Bool
        /// Why the last renewal failed, when it threw.
        public private(set) var failure: (any Error)?

        public init(every: Double, renew: @escaping () throws -> Bool) {
            self.every = every
            self.renewal = renew
        }

        /// False when the chunk is no longer this host's, or the renewal failed (`failure`).
        func renew() -> Bool {
            do {
                return try renewal()
            } catch {
                failure = error
                return false
            }
        }
    }

    /// Creates a gate; with a `budget`, every request also takes a slot of the key's machine-wide budget.
    public init(schedule: RequestSchedule, clock: any JobClock, stop: StopFlag, budget: KeyBudget? = nil) {
        self.schedule = schedule
        self.clock = clock
        self.stop = stop
        self.budget = budget
    }

    /// Waits until a request to `endpoint` may leave, not before `notBefore`, and while `window` (the
    /// earliest open time at or after t; see `RequestSchedule.gate`) is open.
    ///
    /// First this run's own schedule (not-before, its pacer, what the server said, the window); then, with
    /// a shared budget, a slot of the key's machine-wide budget, waited for here. A stop while waiting for
    /// the slot gives it back. With `keep`, every wait renews the chunk's lease as it goes (`Keep`).
    public func pass(
        _ endpoint: ZiettEndpoint, notBefore: Double? = nil, window: ((Double) -> Double?)? = nil, keep: Keep? = nil
    ) async -> Pass {
        while true {
            if stop.isRequested { return .stopped }
            switch schedule.gate(endpoint, notBefore: notBefore, window: window, now: clock.now()) {
            case .go: return await passShared(endpoint, window: window, keep: keep)
            case .tooFar(let until): return .tooFar(until: until)
            case .wait(let until):
                if let end = await wait(until: until, keep: keep) { return end }
            }
        }
    }

    /// Sleeps until `until`; with `keep`, in steps of `keep.every`, renewing after each step that leaves
    /// some wait. Nil once `until` is reached, else why the wait ended early.
    private func wait(until: Double, keep: Keep?) async -> Pass? {
        while true {
            let now = clock.now()
            guard now < until else { return nil }
            let step = keep.map { min(until, now + max($0.every, 0.1)) } ?? until
            guard await stop.sleep(until: step, clock: clock) else { return .stopped }
            if step < until, let keep, !keep.renew() { return .lost }
        }
    }

    /// When a request to `endpoint` may leave, not before `notBefore` (now, or later): by this run's own
    /// schedule and, with a shared budget, the key's next free slot. What the dispatcher compares to choose
    /// between its lanes; reserves nothing.
    public func earliest(_ endpoint: ZiettEndpoint, notBefore: Double? = nil) -> Double {
        var copy = schedule
        let now = clock.now()
        let own: Double
        switch copy.gate(endpoint, notBefore: notBefore, now: now) {
        case .go: own = now
        case .wait(let until), .tooFar(let until): own = until
        }
        let limit = schedule.limit(of: endpoint.pacingBucket)
        let shared = budget?.earliest(endpoint.pacingBucket, limit: limit, margin: SlidingWindowPacer.margin(for: limit), now: now)
        return max(own, shared ?? own)
    }

    /// The key's machine-wide slot, once this run's own schedule let the request go. A slot at which the
    /// send window is closed (it closed, or the campaign ended, while other jobs had the key) is given
    /// back: the request never leaves outside its window because it waited for the key.
    private func passShared(_ endpoint: ZiettEndpoint, window: ((Double) -> Double?)?, keep: Keep?) async -> Pass {
        let bucket = endpoint.pacingBucket
        let limit = schedule.limit(of: bucket)
        let margin = SlidingWindowPacer.margin(for: limit)
        switch budget?.reserve(bucket, limit: limit, margin: margin, now: clock.now(), maxWait: schedule.maxWait) {
        case nil: return .go
        case .tooFar(let until): return .tooFar(until: until)
        case .reserved(let slot):
            if let window, window(slot.at) != slot.at {
                budget?.abandon(bucket)
                return .tooFar(until: window(slot.at) ?? .infinity)
            }
            if let end = await wait(until: slot.at, keep: keep) {
                budget?.abandon(bucket)
                return end
            }
            return .go
        }
    }

    /// Counts a request to `endpoint` whose answer (or failure) just came, and takes in the answer's
    /// rate-limit headers.
    public func record(_ endpoint: ZiettEndpoint, _ result: Result<ZiettHTTPResponse, ZiettTransportError>) {
        let now = clock.now()
        schedule.record(endpoint, at: now)
        var blockedUntil: Double?
        if case .success(let response) = result {
            // Only worth a query when the server says the window is full.
            let known = response.rateLimitRemaining.map { $0 <= 0 } == true
                ? budget?.servedInWindow(endpoint.pacingBucket, limit: schedule.limit(of: endpoint.pacingBucket), now: now) : nil
            schedule.observe(
                endpoint, retryAfter: response.retryAfter, remaining: response.rateLimitRemaining, reset: response.rateLimitReset,
                now: now, knownInWindow: known)
            blockedUntil = schedule.blockedUntil(of: endpoint)
        }
        let served = if case .success(let response) = result { response.status != 429 } else { false }
        budget?.answered(endpoint.pacingBucket, at: now, served: served, blockedUntil: blockedUntil)
    }

}
