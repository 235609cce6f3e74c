import Foundation
/// Where and how the client talks to the API.
public struct ZiettClientConfiguration: Sendable {
    /// The API base, e.g. `https://api.ziett.co/c/v1` (no trailing slash needed).
    public var baseURL: String
    /// The `X-API-KEY` value. Never logged, never part of an error.
    public var apiKey: String
    /// Time allowed to establish a connection.
    public var connectTimeout: Duration
    /// Time allowed for a whole request, from sending to the last byte of the answer.
    ///
    /// Explicit because a hung request would otherwise hold a chunk in flight (in doubt) for as long as
    /// the OS keeps the socket.
    public var requestTimeout: Duration
    /// Sent as `User-Agent`.
    public var userAgent: String

    /// The public API base.
    public static let defaultBaseURL = "https://api.ziett.co/c/v1"

    /// Creates a configuration.
    public init(
        baseURL: String = Self.defaultBaseURL, apiKey: String, connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(30), userAgent: String = "ziett-batch/0.1"
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.userAgent = userAgent
    }

    /// Why this base URL must not carry the API key, or nil when it may.
    ///
    /// `https` always may; plain `http` only to a loopback host (the simulator, a local proxy) unless
    /// `allowInsecureHTTP`: elsewhere it would send `X-API-KEY` and every phone number in clear text.
    public func transportProblem(allowInsecureHTTP: Bool) -> String? {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "\(baseURL) is not an http(s) URL with a host"
        }
        switch scheme {
        case "https":
            return nil
        case "http":
            if allowInsecureHTTP || Self.isLoopback(host) { return nil }
            return "\(baseURL) is plain http to \(host): the API key and the phone numbers would cross the network "
                + "unencrypted. Use https, or pass --allow-insecure-http if this is really intended"
        default:
            return "\(baseURL) uses \(scheme)://; the API is reached over https"
        }
    }

    /// `localhost`, `127.0.0.0/8` or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let parts = bare.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
