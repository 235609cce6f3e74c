import ZiettAPI

/// What the rate limiter decided for one request.
struct RateLimitVerdict: Sendable {
    var rejected: Bool
    var retryAfter: Int
    var limit: Int
    var remaining: Int
    var reset: Int
}

extension SimulatorState {
    /// Records a request against the key's window for `bucket`; nil when the endpoint is not limited.
    func admit(key: String, bucket: String, limit: SimulatedRateLimit?) -> RateLimitVerdict? {
        guard let limit else { return nil }
        let id = key + " " + bucket
        let t = now
        switch configuration.fidelity.rateLimitWindow {
        case .sliding:
            var times = slidingWindows[id, default: []].filter { $0 > t - limit.window }
            defer { slidingWindows[id] = times }
            if times.count >= limit.count {
                let oldest = times[times.count - limit.count]
                let wait = max(1, Int((oldest + limit.window - t).rounded(.up)))
                return RateLimitVerdict(rejected: true, retryAfter: wait, limit: limit.count, remaining: 0, reset: Int((oldest + limit.window).rounded(.up)))
            }
            times.append(t)
            let reset = Int(((times.first ?? t) + limit.window).rounded(.up))
            return RateLimitVerdict(rejected: false, retryAfter: 0, limit: limit.count, remaining: max(0, limit.count - times.count), reset: reset)
        case .fixed:
            let start = (t / limit.window).rounded(.down) * limit.window
            var window = fixedWindows[id] ?? (start, 0)
            if window.start != start { window = (start, 0) }
            defer { fixedWindows[id] = window }
            let reset = Int((start + limit.window).rounded(.up))
            if window.count >= limit.count {
                let wait = max(1, Int((start + limit.window - t).rounded(.up)))
                return RateLimitVerdict(rejected: true, retryAfter: wait, limit: limit.count, remaining: 0, reset: reset)
            }
            window.count += 1
            return RateLimitVerdict(rejected: false, retryAfter: 0, limit: limit.count, remaining: limit.count - window.count, reset: reset)
        }
    }

    /// True when a 429 burst is under way (or starts now) for the key and endpoint.
    func inBurst(key: String, endpoint: ZiettEndpoint, faults: FaultConfiguration, rate: Double) -> Bool {
        let id = key + " " + endpoint.rawValue
        if let left = bursts[id], left > 0 {
            bursts[id] = left - 1
            return true
        }
        guard rate > 0, rng.nextUnit() < rate else { return false }
        bursts[id] = max(0, faults.burstLength - 1)
        return true
    }
}
