import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import ZiettAPI

/// The routes of the simulated API, under `/c/v1`.
///
/// Every route runs inside `handle`: admission (latency, key, scope, rate limit, injected faults), then
/// the route's own work; the rate-limit headers of an admitted request go on its answer, error or not.
struct SimulatorRoutes: Sendable {
    let state: SimulatorState

    func register(on router: Router<SimulatorRequestContext>) {
        let api = router.group("c/v1")
        api.post("messages") { request, context in try await sendMessage(request, context) }
        api.get("messages") { request, context in try await listMessages(request, context) }
        api.get("messages/:id") { request, context in try await getMessage(request, context) }
        api.post("campaigns/batch") { request, context in try await sendBatch(request, context) }
        api.get("campaigns") { request, context in try await listCampaigns(request, context) }
        api.get("campaigns/:id") { request, context in try await getCampaign(request, context) }
        api.get("campaigns/:id/messages") { request, context in try await listCampaignMessages(request, context) }
    }

    /// Runs one endpoint: admission, the work, the bookkeeping.
    func handle(
        _ endpoint: ZiettEndpoint, _ request: Request, _ context: SimulatorRequestContext,
        work: (Admission) async throws -> Response
    ) async throws -> Response {
        var admitted: Admission?
        do {
            let admission = try await admit(request, endpoint: endpoint)
            admitted = admission
            if admission.phantomAccept { return await phantomAccept(request, endpoint: endpoint) }
            var response = try await work(admission)
            if admission.loseReply {
                await state.count("\(endpoint.rawValue) lost")
                try await dropConnection(context)
            }
            for field in admission.headers where response.headers[field.name] == nil { response.headers.append(field) }
            await state.count("\(endpoint.rawValue) \(response.status.code)")
            return response
        } catch let error as SimulatorError {
            await state.count("\(endpoint.rawValue) \(error.status.code)")
            throw error.adding(admitted?.headers ?? [:])
        }
    }

    /// A misconfigured proxy's `200 OK` HTML page: nothing is stored or charged, the POST is logged as `phantom`.
    func phantomAccept(_ request: Request, endpoint: ZiettEndpoint) async -> Response {
        if endpoint.isWrite {
            let key = request.headers[HTTPField.Name(ZiettHeader.idempotencyKey)!]
            await state.record(LedgerRequest(
                time: await state.now, endpoint: endpoint.rawValue, idempotencyKey: key, status: 200, outcome: "phantom", resourceID: nil))
        }
        await state.count("\(endpoint.rawValue) 200")
        var headers = HTTPFields()
        headers[.contentType] = "text/html"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: Self.phantomPage)))
    }

    /// The page a proxy answers with.
    static let phantomPage = "<html><head><title>OK</title></head><body><h1>OK</h1><p>Request received.</p></body></html>\n"

    /// Closes the connection without a byte of answer: the client sees the connection drop.
    func dropConnection(_ context: SimulatorRequestContext) async throws -> Never {
        try? await context.channel.close()
        throw LostReply()
    }

    /// A JSON answer.
    func json(_ status: Int, _ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A JSON answer from a value.
    func json(_ status: Int, encoding value: some Encodable) throws -> Response {
        try json(status, Array(WireCoding.encoder().encode(value)))
    }

    /// The request body, at most 4 MiB.
    func collect(_ request: Request) async throws -> [UInt8] {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        return Array(buffer.readableBytesView)
    }

    /// A path id: a UUID (v7 unless relaxed), else 422; the lower-cased id.
    func pathID(_ context: SimulatorRequestContext, field: String) async throws -> String {
        let raw = context.parameters.get("id") ?? ""

        let id = raw.removingPercentEncoding ?? raw
        let v7 = await state.configuration.fidelity.requireUUIDv7
        guard v7 ? UUIDv7.isV7(id) : UUIDText.isUUID(id) else {
            throw SimulatorError.validation([field: v7 ? "must be a UUID v7" : "must be a UUID"])
        }
        return id.lowercased()
    }
}
