import Crypto

/// The stored state of one Idempotency-Key.
struct IdempotencyRecord: Sendable {
    var fingerprint: [UInt8]
    var createdAt: Double
    /// Nil while the first request is still in flight.
    var response: StoredResponse?
}

/// An answer kept for replay.
struct StoredResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var resourceID: String?
}

/// What to do with a request that carries an Idempotency-Key.
enum IdempotencyDecision: Sendable {
    case proceed
    case replay(StoredResponse)
    case conflictInFlight
    case mismatch
}

extension SimulatorState {
    /// Checks and reserves the key (scoped to the API key) for a request with this method, path and body.
    /// Keys reserved by a request whose answer is not stored yet.
    var idempotencyKeysInFlight: Int { idempotency.values.filter { $0.response == nil }.count }

    func beginIdempotent(apiKey: String, key: String, method: String, path: String, body: [UInt8]) -> IdempotencyDecision {
        let id = apiKey + " " + key
        var hasher = SHA256()
        hasher.update(data: Array((method + " " + path + "\n").utf8))
        hasher.update(data: body)
        let fingerprint = Array(hasher.finalize())
        let t = now
        if let record = idempotency[id], record.createdAt > t - configuration.idempotencyWindow {
            guard record.fingerprint == fingerprint else { return .mismatch }
            guard let response = record.response else { return .conflictInFlight }
            return .replay(response)
        }
        idempotency[id] = IdempotencyRecord(fingerprint: fingerprint, createdAt: t, response: nil)
        return .proceed
    }

    /// Stores the answer for replay, or releases the key when `response` is nil.
    func finishIdempotent(apiKey: String, key: String, response: StoredResponse?) {
        let id = apiKey + " " + key
        if let response {
            idempotency[id]?.response = response
        } else {
            idempotency[id] = nil
        }
    }
}
