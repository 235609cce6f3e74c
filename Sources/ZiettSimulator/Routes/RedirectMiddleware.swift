import HTTPTypes
import Hummingbird

/// Answers every request `307 Temporary Redirect` to the same path and query on another origin, when
/// `fidelity.redirectTo` is set; nothing else happens (no key check, no limit, no work).
///
/// A moved API or a misbehaving proxy does this; a client that follows it sends its `X-API-KEY` (which
/// HTTP clients strip only from `Authorization`) to whoever answers there.
struct RedirectMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    /// The configured base URL, read per request so `reconfigure` takes effect at once.
    let target: @Sendable () async -> String?
    /// Counts the answer in the ledger's `responses`.
    let count: @Sendable (String) async -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let base = await target(), !base.isEmpty else { return try await next(request, context) }
        var location = base.hasSuffix("/") ? String(base.dropLast()) : base
        location += request.uri.path
        if let query = request.uri.query { location += "?" + query }
        var headers = HTTPFields()
        headers[.location] = location
        var path = Substring(request.uri.path)
        if path.hasPrefix("/c/v1/") { path = path.dropFirst("/c/v1".count) }
        await count("\(request.method.rawValue) \(path) 307")
        return Response(status: .temporaryRedirect, headers: headers)
    }
}
