/// The error object every Ziett error response carries.
///
/// `fields` is present only on `VALIDATION_ERROR` (422) and maps a field name (or `recipients[3]`) to a
/// message. Every member is optional when decoding: a proxy's 502 page must not make the client crash.
public struct ZiettErrorBody: Codable, Sendable, Equatable, Error {
    /// Machine-readable code, e.g. `VALIDATION_ERROR`, `RATE_LIMIT_EXCEEDED`.
    public var code: String
    /// Human-readable text.
    public var message: String
    /// The HTTP status as an integer.
    public var status: Int
    /// Per-request identifier to quote to Ziett support.
    public var traceID: String?
    /// ISO 8601 time of the error.
    public var timestamp: String?
    /// The internal service that answered (`core`, `billing`).
    public var service: String?
    /// Field name → problem, on validation errors.
    public var fields: [String: String]?

    /// Creates an error body.
    public init(
        code: String, message: String, status: Int, traceID: String? = nil, timestamp: String? = nil,
        service: String? = "core", fields: [String: String]? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.traceID = traceID
        self.timestamp = timestamp
        self.service = service
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case code, message, status
        case traceID = "trace_id"
        case timestamp, service, fields
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decodeIfPresent(String.self, forKey: .code) ?? "UNKNOWN"
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
        status = try c.decodeIfPresent(Int.self, forKey: .status) ?? 0
        traceID = try c.decodeIfPresent(String.self, forKey: .traceID)
        timestamp = try c.decodeIfPresent(String.self, forKey: .timestamp)
        service = try c.decodeIfPresent(String.self, forKey: .service)
        fields = try? c.decodeIfPresent([String: String].self, forKey: .fields)
    }
}

/// The documented error codes.
public enum ZiettErrorCode {
    public static let invalidAPIKey = "AUTH_INVALID_API_KEY"
    public static let invalidScope = "AUTH_INVALID_SCOPE"
    public static let notFound = "RESOURCE_NOT_FOUND"
    public static let insufficientFunds = "BILLING_INSUFFICIENT_FUNDS"
    public static let validation = "VALIDATION_ERROR"
    public static let rateLimited = "RATE_LIMIT_EXCEEDED"
    public static let internalError = "INTERNAL_SERVER_ERROR"
    public static let idempotencyConflict = "IDEMPOTENCY_KEY_IN_USE"
    public static let idempotencyMismatch = "IDEMPOTENCY_KEY_REUSED"
}
