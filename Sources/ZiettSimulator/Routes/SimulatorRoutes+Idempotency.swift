import HTTPTypes
import Hummingbird
import ZiettAPI

extension SimulatorRoutes {
    /// Runs a POST under the Idempotency-Key rules of draft-ietf-httpapi-idempotency-key-header.
    ///
    /// A repeat within the window replays the stored answer (marked `Idempotent-Replayed: true`); the
    /// same key with another body is 422; a repeat while the first is still running is 409. Error answers
    /// release the key unless `replayErrorResponses` is set.
    ///
    /// Once the key is reserved, the work (after `faults.workDelay`) runs apart from the request
    /// (`SimulatorState.runApart`): it completes, key and ledger included, even if the client has gone.
    func idempotent(
        _ request: Request, endpoint: ZiettEndpoint, admission: Admission, body: [UInt8],
        work: @escaping @Sendable (_ key: String?) async throws -> (status: Int, body: [UInt8], resourceID: String?)
    ) async throws -> Response {
        let config = await state.configuration
        let t = await state.now
        let sent = request.headers[HTTPField.Name(ZiettHeader.idempotencyKey)!]
        let ignored = config.ignoreIdempotencyKeys || (endpoint == .sendBatch && !config.fidelity.batchHonoursIdempotencyKey)
        let key = ignored ? nil : sent
        let state = self.state
        @Sendable func log(_ status: Int?, _ outcome: String, _ id: String?) async {
            await state.record(LedgerRequest(time: t, endpoint: endpoint.rawValue, idempotencyKey: key, status: status, outcome: outcome, resourceID: id))
        }
        if let key, !Self.isValidIdempotencyKey(key, maxLength: config.fidelity.idempotencyKeyMaxLength) {
            await log(422, "rejected", nil)
            throw SimulatorError.validation([
                ZiettHeader.idempotencyKey: "must be 1 to \(config.fidelity.idempotencyKeyMaxLength) visible ASCII characters",
            ])
        }
        if let key {
            let path = endpoint.path()
            switch await state.beginIdempotent(apiKey: admission.apiKey, key: key, method: "POST", path: path, body: body) {
            case .replay(let stored):
                await log(admission.loseReply ? nil : stored.status, admission.loseReply ? "replayed, reply lost" : "replayed", stored.resourceID)
                var headers = HTTPFields()
                headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
                return json(stored.status, stored.body, headers: headers)
            case .conflictInFlight:
                await log(409, "rejected", nil)
                throw SimulatorError(409, ZiettErrorCode.idempotencyConflict, "A request with this Idempotency-Key is still being processed.")
            case .mismatch:
                await log(422, "rejected", nil)
                throw SimulatorError(422, ZiettErrorCode.idempotencyMismatch, "This Idempotency-Key was used with a different request.")
            case .proceed:
                break
            }
        }
        let apiKey = admission.apiKey
        let loseReply = admission.loseReply
        let replayErrors = config.fidelity.replayErrorResponses
        let done = await state.runApart(after: admission.faults.workDelay) { () async throws -> (Int, [UInt8]) in
            do {
                let (status, bytes, id) = try await work(key)
                if let key { await state.finishIdempotent(apiKey: apiKey, key: key, response: .init(status: status, body: bytes, resourceID: id)) }
                await log(loseReply ? nil : status, loseReply ? "created, reply lost" : "created", id)
                return (status, bytes)
            } catch let error as SimulatorError {
                if let key {
                    let stored = replayErrors ? StoredResponse(status: Int(error.status.code), body: error.bytes) : nil
                    await state.finishIdempotent(apiKey: apiKey, key: key, response: stored)
                }
                await log(Int(error.status.code), "rejected", nil)
                throw error
            } catch {
                if let key { await state.finishIdempotent(apiKey: apiKey, key: key, response: nil) }
                throw error
            }
        }
        // Not cancelled with the request: waiting here never abandons the work.
        let (status, bytes) = try await done.value
        return json(status, bytes)
    }

    /// 1 to `maxLength` visible ASCII characters (`^[!-~]{1,255}$`): no spaces, no control characters.
    static func isValidIdempotencyKey(_ key: String, maxLength: Int) -> Bool {
        let scalars = key.unicodeScalars
        return !scalars.isEmpty && scalars.count <= maxLength && scalars.allSatisfy { $0.value >= 0x21 && $0.value <= 0x7E }
    }
}
