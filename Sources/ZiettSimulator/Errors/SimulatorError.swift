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
            timestamp: Timestamp.format(Date().timeIntervalSince1970, style: .microsecondsOffset), service: service, fields: fields)
        self.headers = headers
    }

    /// The encoded error object.
    var bytes: [UInt8] { Array((try? WireCoding.encoder().encode(body)) ?? Data()) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A fresh per-request trace id (32 hexadecimal digits).
    static func traceID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// 422 `VALIDATION_ERROR` with `fields`.
    static func validation(_ fields: [String: String]) -> SimulatorError {
        SimulatorError(422, ZiettErrorCode.validation, "The request has invalid fields.", fields: fields)
    }

    /// 404 with the configured code.
    static func notFound(_ what: String, code: String) -> SimulatorError {
        SimulatorError(404, code, "\(what) was not found in this organization.")
    }

    /// Merges headers (rate-limit headers of an admitted request) into the answer.
    func adding(_ extra: HTTPFields) -> SimulatorError {
        var copy = self
        for field in extra where copy.headers[field.name] == nil { copy.headers.append(field) }
        return copy
    }
}
