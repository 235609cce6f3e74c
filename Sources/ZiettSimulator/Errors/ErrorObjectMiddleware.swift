import Hummingbird
import HTTPTypes
import ZiettAPI

/// Turns the framework's own failures (unknown path, wrong method, oversized body) into the documented
/// error object, and answers 405 with `Allow` for a known path used with another method.
struct ErrorObjectMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    let notFoundCode: @Sendable () async -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let allowed = Self.allowedMethods(for: request.uri.path), !allowed.contains(request.method) {
            var headers = HTTPFields()
            headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            throw SimulatorError(405, "METHOD_NOT_ALLOWED", "\(request.method.rawValue) is not allowed on this path.", headers: headers)
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            if error.status == .notFound {
                throw SimulatorError(404, await notFoundCode(), "No such path: \(request.uri.path).")
            }
            throw SimulatorError(Int(error.status.code), "HTTP_\(error.status.code)", error.body ?? error.status.reasonPhrase)
        }
    }

    /// The methods of a known path, or nil for an unknown one.
    static func allowedMethods(for path: String) -> [HTTPRequest.Method]? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 3, parts[0] == "c", parts[1] == "v1" else { return nil }
        parts.removeFirst(2)
        switch parts.count {
        case 1 where parts[0] == "messages": return [.get, .post]
        case 1 where parts[0] == "campaigns": return [.get]
        case 2 where parts[0] == "campaigns" && parts[1] == "batch": return [.post]
        case 2 where parts[0] == "messages" || parts[0] == "campaigns": return [.get]
        case 3 where parts[0] == "campaigns" && parts[2] == "messages": return [.get]
        default: return nil
        }
    }
}
