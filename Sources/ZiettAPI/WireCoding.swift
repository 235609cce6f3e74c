public import Foundation

/// The JSON coders every party uses for the wire.
///
/// Sorted keys and no pretty-printing make an encoded body a pure function of its value, which is what
/// lets the Idempotency-Key commit to "the exact body" and still be recomputable.
public enum WireCoding {
    /// A deterministic encoder: sorted keys, no whitespace, no slash escaping.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// A plain decoder.
    public static func decoder() -> JSONDecoder { JSONDecoder() }
}

/// The documented request headers.
public enum ZiettHeader {
    public static let apiKey = "X-API-KEY"
    public static let idempotencyKey = "Idempotency-Key"
    public static let retryAfter = "Retry-After"
    public static let rateLimitLimit = "X-RateLimit-Limit"
    public static let rateLimitRemaining = "X-RateLimit-Remaining"
    public static let rateLimitReset = "X-RateLimit-Reset"
}
