import Foundation
public import ZiettAPI

/// An answer from the API: status, the headers that matter, and the body bytes.
public struct ZiettHTTPResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// `Retry-After` in seconds, when given as seconds or as an HTTP date.
    public var retryAfter: Double?
    /// `X-RateLimit-Limit`.
    public var rateLimitLimit: Int?
    /// `X-RateLimit-Remaining`.
    public var rateLimitRemaining: Int?
    /// `X-RateLimit-Reset` (Unix seconds).
    public var rateLimitReset: Double?
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(
        status: Int, retryAfter: Double? = nil, rateLimitLimit: Int? = nil, rateLimitRemaining: Int? = nil,
        rateLimitReset: Double? = nil, body: [UInt8] = []
    ) {
        self.status = status
        self.retryAfter = retryAfter
        self.rateLimitLimit = rateLimitLimit
        self.rateLimitRemaining = rateLimitRemaining
        self.rateLimitReset = rateLimitReset
        self.body = body
    }

    /// True for 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The documented error object, when the body is one.
    public var errorBody: ZiettErrorBody? {
        guard !isSuccess, !body.isEmpty else { return nil }
        return try? WireCoding.decoder().decode(ZiettErrorBody.self, from: .init(body))
    }

    /// Decodes a success body.
    public func decode<T: Decodable>(_ type: T.Type) -> T? {
        guard !body.isEmpty else { return nil }
        return try? WireCoding.decoder().decode(type, from: .init(body))
    }
}

/// A request that got no HTTP answer.
public struct ZiettTransportError: Error, Sendable, CustomStringConvertible {
    /// What happened, in the terms that matter for safety.
    public enum Kind: String, Sendable {
        /// The connection could not be made: the request certainly never reached the API.
        case connect
        /// No complete answer in time: the API may or may not have processed it.
        case timeout
        /// The connection broke after the request was (perhaps) sent: fate unknown.
        case connectionLost
    }
    /// The kind.
    public var kind: Kind
    /// The underlying error's text (never contains request headers).
    public var message: String

    /// Creates a transport error.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
