public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
public import NIOHTTP1
import NIOHTTPCompression
public import ZiettAPI

/// An HTTP client for the Ziett API.
///
/// It reports what happened and nothing more: the decision of what an answer means for a chunk (retry,
/// reject, look up) belongs to Dispatch, where it is unit-tested without sockets. The API key goes into
/// the `X-API-KEY` header and nowhere else: not into logs, errors or descriptions.
public final class ZiettClient: Sendable {
    /// Where and how.
    public let configuration: ZiettClientConfiguration
    private let http: HTTPClient
    private let ownsHTTP: Bool
    private let logger: Logger

    /// Creates a client; it owns its own `HTTPClient` unless one is given.
    public init(configuration: ZiettClientConfiguration, httpClient: HTTPClient? = nil, logger: Logger = Logger(label: "ziett.client")) {
        self.configuration = configuration
        self.logger = logger
        if let httpClient {
            http = httpClient
            ownsHTTP = false
        } else {
            var config = HTTPClient.Configuration()
            config.timeout = .init(
                connect: .nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000),
                read: .nanoseconds(Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000))
            config.decompression = .enabled(limit: .ratio(10))
            // Never follow a redirect: AsyncHTTPClient would carry X-API-KEY to the new origin (it strips
            // only Authorization, Cookie and Proxy-Authorization), and a POST would become a GET. A 3xx
            // comes back as an answer, and the send core stops with a configuration error.
            config.redirectConfiguration = .disallow
            http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            ownsHTTP = true
        }
    }

    /// Releases connections; call before the process exits.
    public func shutdown() async {
        if ownsHTTP { try? await http.shutdown() }
    }

    /// A send endpoint (`POST /campaigns/batch`, `POST /messages`) with an exact, pre-encoded body.
    public func post(_ endpoint: ZiettEndpoint, body: [UInt8], idempotencyKey: String) async -> Result<ZiettHTTPResponse, ZiettTransportError> {
        await send(method: .POST, path: endpoint.path(), body: body, idempotencyKey: idempotencyKey)
    }

    /// `POST /campaigns/batch` with an exact, pre-encoded body.
    public func postBatch(body: [UInt8], idempotencyKey: String) async -> Result<ZiettHTTPResponse, ZiettTransportError> {
        await post(.sendBatch, body: body, idempotencyKey: idempotencyKey)
    }

    /// `POST /messages` with an exact, pre-encoded body.
    public func postMessage(body: [UInt8], idempotencyKey: String) async -> Result<ZiettHTTPResponse, ZiettTransportError> {
        await post(.sendMessage, body: body, idempotencyKey: idempotencyKey)
    }

    /// One page of a list endpoint.
    public func list<Query: ListQuery>(_ query: Query, page: Int) async -> Result<ZiettHTTPResponse, ZiettTransportError> {
        await send(method: .GET, path: Query.endpoint.path(), query: query.parameters(page: page))
    }

    /// Sends one request and collects the answer.
    public func send(
        method: HTTPMethod, path: String, query: [(String, String)] = [], body: [UInt8]? = nil, idempotencyKey: String? = nil
    ) async -> Result<ZiettHTTPResponse, ZiettTransportError> {
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: ZiettHeader.apiKey, value: configuration.apiKey)
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let idempotencyKey { request.headers.add(name: ZiettHeader.idempotencyKey, value: idempotencyKey) }
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(configuration.requestTimeout.components.seconds) * 1_000_000_000 + configuration.requestTimeout.components.attoseconds / 1_000_000_000))
            let buffer = try await response.body.collect(upTo: 8 << 20)
            let headers = response.headers
            return .success(ZiettHTTPResponse(
                status: Int(response.status.code),
                retryAfter: headers.first(name: ZiettHeader.retryAfter).flatMap { Self.parseRetryAfter($0) },
                rateLimitLimit: headers.first(name: ZiettHeader.rateLimitLimit).flatMap { Int($0) },
                rateLimitRemaining: headers.first(name: ZiettHeader.rateLimitRemaining).flatMap { Int($0) },
                rateLimitReset: headers.first(name: ZiettHeader.rateLimitReset).flatMap { Double($0) },
                body: Array(buffer.readableBytesView)))
        } catch {
            return .failure(Self.classify(error))
        }
    }

    /// Maps AsyncHTTPClient/NIO errors onto what they mean for safety.
    static func classify(_ error: any Error) -> ZiettTransportError {
        let text = String(describing: error)
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout:
                return .init(kind: .connect, message: text)
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .init(kind: .timeout, message: text)
            default:
                return .init(kind: .connectionLost, message: text)
            }
        }
        if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("NIOConnectionError") {
            return .init(kind: .connect, message: text)
        }
        return .init(kind: .connectionLost, message: text)
    }

    /// The longest `Retry-After` believed: one hour. A larger value (a misconfigured proxy, a daily quota)
    /// would otherwise hold a job for days; after an hour the next request asks again and gets a fresh answer.
    public static let retryAfterCap: Double = 3600

    /// `Retry-After` as seconds (delta-seconds or an HTTP date, relative to `now`), at most `retryAfterCap`.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds.isFinite {
            return min(retryAfterCap, max(0, seconds))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return min(retryAfterCap, max(0, date.timeIntervalSince(now)))
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
