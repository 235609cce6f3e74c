import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import ZiettAPI

/// The routes of the simulated API, under `/c/v1`.
struct SimulatorRoutes: Sendable {
    let state: SimulatorState

    func register(on router: Router<BasicRequestContext>) {
        let api = router.group("c/v1")
        api.post("campaigns/batch") { request, context in try await counted("POST /campaigns/batch") { try await postBatch(request, context) } }
        api.post("messages") { request, context in try await counted("POST /messages") { try await postMessage(request, context) } }
        api.get("campaigns") { request, context in try await counted("GET /campaigns") { try await listCampaigns(request, context) } }
        api.get("messages") { request, context in try await counted("GET /messages") { try await listMessages(request, context) } }
    }

    /// Counts every answer, errors included, in the ledger's `responses` ("POST /messages 429").
    private func counted(_ endpoint: String, _ body: () async throws -> Response) async throws -> Response {
        do {
            let response = try await body()
            await state.count("\(endpoint) \(response.status.code)")
            return response
        } catch let error as SimulatorError {
            await state.count("\(endpoint) \(error.status.code)")
            throw error
        }
    }

    // MARK: Common steps

    /// Latency, key check, rate limit, spurious faults; returns the key and the headers to add.
    private func admit(_ request: Request, endpoint: String, write: Bool) async throws -> (key: String, headers: HTTPFields) {
        let config = await state.configuration
        if config.faults.latency > 0 {
            let delay = await state.random() * config.faults.latency
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        guard let key = request.headers[HTTPField.Name("X-API-KEY")!], !key.isEmpty else {
            throw SimulatorError(401, ZiettErrorCode.invalidAPIKey, "The X-API-KEY header is missing.")
        }
        let valid = config.apiKeys.map { $0.contains(key) } ?? key.hasPrefix("zk_test_")
        guard valid else { throw SimulatorError(401, ZiettErrorCode.invalidAPIKey, "The API key is invalid or revoked.") }
        let limit = endpoint == "POST /campaigns/batch" ? config.batchLimit : endpoint == "POST /messages" ? config.singleLimit : config.readLimit
        var headers: HTTPFields = [:]
        if let verdict = await state.admit(key: key, endpoint: write ? endpoint : "GET", limit: limit) {
            if config.rateLimitHeaders {
                headers[HTTPField.Name("X-RateLimit-Limit")!] = "\(verdict.limit)"
                headers[HTTPField.Name("X-RateLimit-Remaining")!] = "\(verdict.remaining)"
                headers[HTTPField.Name("X-RateLimit-Reset")!] = "\(verdict.reset)"
            }
            if verdict.rejected {
                headers[HTTPField.Name("Retry-After")!] = "\(verdict.retryAfter)"
                throw SimulatorError(429, ZiettErrorCode.rateLimited, "Too many requests.", headers: headers)
            }
        }
        if write {
            if config.faults.spuriousRateLimitRate > 0, await state.random() < config.faults.spuriousRateLimitRate {
                headers[HTTPField.Name("Retry-After")!] = "1"
                throw SimulatorError(429, ZiettErrorCode.rateLimited, "Too many requests (burst).", headers: headers)
            }
            if config.faults.serverErrorRate > 0, await state.random() < config.faults.serverErrorRate {
                let status = [500, 502, 503][Int(await state.random() * 3) % 3]
                throw SimulatorError(status, ZiettErrorCode.internalError, "Simulated server error.")
            }
        } else if config.faults.readErrorRate > 0, await state.random() < config.faults.readErrorRate {
            throw SimulatorError(503, "SERVICE_UNAVAILABLE", "Simulated read failure.")
        }
        return (key, headers)
    }

    private func json(_ status: HTTPResponse.Status, _ bytes: [UInt8], headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A response whose connection drops before the answer: the work is done, the reply is lost.
    private func lostReply() -> Response {
        Response(status: .accepted, headers: [.contentLength: "64"], body: .init { _ in throw LostReply() })
    }

    struct LostReply: Error {}

    /// Runs an idempotent POST: replay, conflict and mismatch handling around `work`.
    private func idempotent(
        _ request: Request, key apiKey: String, headers: HTTPFields, body: [UInt8], path: String,
        work: () async throws -> (Int, [UInt8])
    ) async throws -> Response {
        let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
        switch await state.beginIdempotent(apiKey: apiKey, key: idempotencyKey, method: "POST", path: path, body: body) {
        case .replay(let stored):
            return json(.init(code: stored.status), stored.body, headers: headers)
        case .conflictInFlight:
            throw SimulatorError(409, ZiettErrorCode.idempotencyConflict, "A request with this Idempotency-Key is still being processed.")
        case .mismatch:
            throw SimulatorError(422, ZiettErrorCode.idempotencyMismatch, "This Idempotency-Key was used with a different request body.")
        case .proceed:
            break
        }
        let status: Int
        let responseBody: [UInt8]
        do {
            (status, responseBody) = try await work()
        } catch {
            await state.finishIdempotent(apiKey: apiKey, key: idempotencyKey, response: nil)
            throw error
        }
        await state.finishIdempotent(apiKey: apiKey, key: idempotencyKey, response: .init(status: status, body: responseBody))
        let lost = await state.configuration.faults.lostReplyRate
        if lost > 0, await state.random() < lost { return lostReply() }
        return json(.init(code: status), responseBody, headers: headers)
    }

    private func collect(_ request: Request) async throws -> [UInt8] {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        return Array(buffer.readableBytesView)
    }

    // MARK: Routes

    func postBatch(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let endpoint = "POST /campaigns/batch"
        let (apiKey, headers) = try await admit(request, endpoint: endpoint, write: true)
        let body = try await collect(request)
        let response = try await idempotent(request, key: apiKey, headers: headers, body: body, path: "/campaigns/batch") {
            let config = await state.configuration
            let batch = try RequestValidation.batch(body, minimumRecipients: config.minimumBatchRecipients, rejected: config.rejectedRecipients)
            guard await state.charge(batch.recipients.count) else {
                throw SimulatorError(402, ZiettErrorCode.insufficientFunds, "The balance is below the cost of this batch.", service: "billing")
            }
            let normalised = batch.recipients.map { PhoneNormaliser.normalise($0, country: batch.countryAlpha2) }
            let idempotencyKey = request.headers[HTTPField.Name("Idempotency-Key")!]
            let campaign = await state.createCampaign(
                name: batch.name, content: batch.content, recipients: batch.recipients, normalised: normalised, key: idempotencyKey)
            let accepted = BatchCampaignAccepted(
                campaignID: campaign.id,
                message: "Campaign validation successful. Processing \(batch.recipients.count) messages in the background.")
            let bytes = await state.configuration.batchAcceptedBodyIsNull ? Array("null".utf8) : Array(try WireCoding.encoder().encode(accepted))
            return (202, bytes)
        }
        return response
    }

    func postMessage(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let endpoint = "POST /messages"
        let (apiKey, headers) = try await admit(request, endpoint: endpoint, write: true)
        let body = try await collect(request)
        let response = try await idempotent(request, key: apiKey, headers: headers, body: body, path: "/messages") {
            let message = try RequestValidation.message(body)
            guard await state.charge(1) else {
                throw SimulatorError(402, ZiettErrorCode.insufficientFunds, "The balance is below the cost of this message.", service: "billing")
            }
            let stored = await state.createMessage(e164: message.targetE164, content: message.content)
            return (202, Array(try WireCoding.encoder().encode(SendMessageAccepted(messageID: stored.id))))
        }
        return response
    }

    func listCampaigns(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (_, headers) = try await admit(request, endpoint: "GET /campaigns", write: false)
        let query = Query(request.uri.query)
        let (page, size) = try query.paging()
        let found = await state.findCampaigns(q: query["q"])
        let ordered = query["order"] == "asc" ? found : found.reversed()
        let entries = ordered.map {
            Campaign(id: $0.id, name: $0.name, status: $0.status, content: $0.content, totalRecipients: $0.recipients.count,
                     createdAt: ISO8601DateFormatter.simulator.string(from: Date(timeIntervalSince1970: $0.createdAt)))
        }
        return json(.ok, try Query.pageBytes(entries, page: page, size: size), headers: headers)
    }

    func listMessages(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (_, headers) = try await admit(request, endpoint: "GET /messages", write: false)
        let query = Query(request.uri.query)
        let (page, size) = try query.paging()
        let ge = try query.date("created_at__ge")
        let le = try query.date("created_at__le")
        let found = await state.findMessages(q: query["q"], campaignID: query["campaign_id"], createdAtGE: ge, createdAtLE: le)
        let ordered = query["order"] == "asc" ? found : found.reversed()
        let entries = ordered.map {
            Message(id: $0.id, campaignID: $0.campaignID, e164: $0.e164, content: $0.content, status: $0.status,
                    errorCode: $0.errorCode, createdAt: ISO8601DateFormatter.simulator.string(from: Date(timeIntervalSince1970: $0.createdAt)))
        }
        return json(.ok, try Query.pageBytes(entries, page: page, size: size), headers: headers)
    }
}
