import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import ZiettAPI

/// An error the simulator answers with, rendered as the documented error object.
///
/// The error type decides what the client sees (Hummingbird's `HTTPResponseError`), so every route
/// fails in exactly the documented shape, with a `trace_id`.
struct SimulatorError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var body: ZiettErrorBody
    var headers: HTTPFields = [:]

    init(_ status: Int, _ code: String, _ message: String, fields: [String: String]? = nil, service: String = "core", headers: HTTPFields = [:]) {
        self.status = .init(code: status)
        self.body = ZiettErrorBody(
            code: code, message: message, status: status, traceID: Self.traceID(),
            timestamp: ISO8601DateFormatter.simulator.string(from: Date()), service: service, fields: fields)
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        let data = (try? WireCoding.encoder().encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func traceID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    static func validation(_ fields: [String: String]) -> SimulatorError {
        SimulatorError(422, ZiettErrorCode.validation, "The request has invalid fields.", fields: fields)
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let simulator: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
