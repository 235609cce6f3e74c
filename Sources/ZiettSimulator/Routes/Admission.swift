import HTTPTypes
import Hummingbird
import ZiettAPI

/// What admission found out about a request that may proceed.
struct Admission: Sendable {
    /// The API key.
    var apiKey: String
    /// Rate-limit headers for the answer.
    var headers: HTTPFields
    /// The faults in force for this endpoint.
    var faults: FaultConfiguration
    /// True when the endpoint has its own fault entry (every rate applies, whatever the method).
    var ownFaults: Bool
    /// The work will be done, then the connection dropped without an answer.
    var loseReply: Bool
    /// Nothing will be done: the answer is a proxy's `200 OK` HTML page (`phantomAcceptRate`).
    var phantomAccept = false
}

extension SimulatorRoutes {
    /// Latency, key (401), scope (403), rate limit (429), injected 429 bursts, 5xx and phantom 200s, in that order.
    func admit(_ request: Request, endpoint: ZiettEndpoint) async throws -> Admission {
        let config = await state.configuration
        let (faults, own) = config.faults(for: endpoint)
        if faults.latency > 0 {
            let delay = await state.random() * faults.latency
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        guard let key = request.headers[HTTPField.Name(ZiettHeader.apiKey)!], !key.isEmpty else {
            throw SimulatorError(401, ZiettErrorCode.invalidAPIKey, "The X-API-KEY header is missing.")
        }
        let scopes: Set<String>?
        if let granted = config.apiKeyScopes[key] {
            scopes = Set(granted.map(ZiettEndpoint.canonicalScope))
        } else if config.apiKeys.map({ $0.contains(key) }) ?? key.hasPrefix("zk_test_") {
            scopes = nil
        } else {
            throw SimulatorError(401, ZiettErrorCode.invalidAPIKey, "The API key is invalid or revoked.")
        }
        if let scopes {
            var needed: Set<String> = [ZiettEndpoint.canonicalScope(endpoint.scope)]
            if endpoint == .listMessages { needed.insert("messages:read") }
            if scopes.isDisjoint(with: needed) {
                throw SimulatorError(403, ZiettErrorCode.invalidScope, "The API key lacks the scope \(endpoint.scope).")
            }
        }
        var headers: HTTPFields = [:]
        let bucket = endpoint.bucket(separateListMessages: config.listMessagesLimit != nil)
        if let verdict = await state.admit(key: key, bucket: bucket, limit: config.rateLimit(for: endpoint)) {
            if config.rateLimitHeaders && (!verdict.rejected || config.fidelity.rateLimitHeadersOn429) {
                headers[HTTPField.Name(ZiettHeader.rateLimitLimit)!] = "\(verdict.limit)"
                headers[HTTPField.Name(ZiettHeader.rateLimitRemaining)!] = "\(verdict.remaining)"
                headers[HTTPField.Name(ZiettHeader.rateLimitReset)!] = "\(verdict.reset)"
            }
            if verdict.rejected {
                headers[HTTPField.Name(ZiettHeader.retryAfter)!] = "\(verdict.retryAfter)"
                throw SimulatorError(429, ZiettErrorCode.rateLimited, "Too many requests.", headers: headers)
            }
        }
        let postFaults = endpoint.isWrite || own
        if postFaults, await state.inBurst(key: key, endpoint: endpoint, faults: faults, rate: faults.spuriousRateLimitRate) {
            var burst = headers
            burst[HTTPField.Name(ZiettHeader.retryAfter)!] = "\(faults.burstRetryAfter)"
            throw SimulatorError(429, ZiettErrorCode.rateLimited, "Too many requests.", headers: burst)
        }
        if postFaults, faults.serverErrorRate > 0, await state.random() < faults.serverErrorRate {
            let statuses = faults.serverErrorStatuses.isEmpty ? [500] : faults.serverErrorStatuses
            let status = statuses[min(statuses.count - 1, Int(await state.random() * Double(statuses.count)))]
            throw Self.serverError(status)
        }
        if !endpoint.isWrite, faults.readErrorRate > 0, await state.random() < faults.readErrorRate {
            throw Self.serverError(503)
        }
        if postFaults, faults.phantomAcceptRate > 0, await state.random() < faults.phantomAcceptRate {
            return Admission(apiKey: key, headers: [:], faults: faults, ownFaults: own, loseReply: false, phantomAccept: true)
        }
        var lose = false
        if postFaults, faults.lostReplyRate > 0 { lose = await state.random() < faults.lostReplyRate }
        return Admission(apiKey: key, headers: headers, faults: faults, ownFaults: own, loseReply: lose)
    }

    /// A simulated server failure in the documented error shape.
    static func serverError(_ status: Int) -> SimulatorError {
        switch status {
        case 502: SimulatorError(502, "BAD_GATEWAY", "Simulated upstream failure.")
        case 503: SimulatorError(503, "SERVICE_UNAVAILABLE", "Simulated outage.")
        case 504: SimulatorError(504, "GATEWAY_TIMEOUT", "Simulated upstream timeout.")
        default: SimulatorError(status, ZiettErrorCode.internalError, "Simulated server error.")
        }
    }
}
