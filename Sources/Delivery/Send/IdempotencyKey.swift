import Crypto
public import ZiettAPI

/// Derives the `Idempotency-Key` of a request from the job and the request's exact body.
///
/// `key = UUIDv8(SHA-256("ziett-batch/idempotency/v2" ‖ 0 ‖ job UUID ‖ 0 ‖ METHOD path ‖ 0 ‖ chunk name ‖ 0 ‖ body))`:
/// the first 128 bits of the digest, with the RFC 9562 version (8) and variant bits set, printed as a
/// UUID. The same chunk therefore always gets the same key, any change to the body gives another key,
/// two jobs never share one (the job UUID is random per job), and a re-queued single message (a new
/// chunk, so a new name, with the same body) gets a new key, so the API cannot replay the earlier
/// chunk's refusal to it. A UUID shape is used because the docs
/// suggest UUIDs and say nothing of a maximum key length.
public enum IdempotencyKey {
    /// The key for `body` of the chunk called `name` sent to `endpoint` within the job `jobUUID`.
    public static func derive(jobUUID: String, endpoint: ZiettEndpoint, name: String, body: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("ziett-batch/idempotency/v2".utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(jobUUID.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(endpoint.rawValue.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(name.utf8))
        hasher.update(data: [0])
        hasher.update(data: body)
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.lowercaseHex
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-"
            + String(h[20..<32])
    }
}
