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
}
