public import Checkpoint
import Foundation
public import ZiettAPI
public import ZiettClient

/// What one request's result means for its chunk and for the run.
public enum SendOutcome: Sendable, Equatable {
    /// The documented 2xx with the proof in its body: the campaign id (batch) or the message id (single).
    /// For a read, any 2xx (the reader decodes the page itself).
    case accepted(campaignID: String?, messageID: String?)
    /// A final refusal (422 and other 4xx). `recipients` maps indices into the request's recipient list to
    /// the API's message, when the API named individual recipients.
    case rejected(RecordedError, recipients: [Int: String])
    /// The request was certainly not processed (429, 425, connection refused): retry later.
    case notProcessed(RecordedError, retryAfter: Double?)
    /// The request may or may not have been processed (timeout, lost reply, 5xx, 408, 409): look it up
    /// before any resend.
    case inDoubt(RecordedError, retryAfter: Double?)
    /// 401/403: the key is wrong or lacks a scope. Stop the run; nothing is marked failed.
    case authentication(RecordedError)
    /// 3xx: something at the base URL redirects. Redirects are never followed (the key would go with
    /// them); the run stops with a configuration error and the chunk stays as it is (in flight: looked up
    /// by the next run).
    case redirected(RecordedError)
    /// 402: not enough balance. Stop the run; everything stays resumable.
    case insufficientFunds(RecordedError)

    /// Classifies a transport result of a request to `endpoint`. Pure: the whole safety argument rests on
    /// this table, and it is unit-tested case by case.
    ///
    /// Only proof counts as sent: a 2xx to a send endpoint without the id the docs promise (an HTML page
    /// from a proxy, an empty body, the old docs' `null`) is in doubt, and the chunk is looked up before
    /// anything else happens to it.
    public static func classify(_ result: Result<ZiettHTTPResponse, ZiettTransportError>, for endpoint: ZiettEndpoint) -> SendOutcome {
        switch result {
        case .failure(let transport):
            let error = RecordedError(
                httpStatus: nil, code: transport.kind == .timeout ? "TIMEOUT" : "CONNECTION_ERROR",
                message: transport.message)
            return transport.kind == .connect ? .notProcessed(error, retryAfter: nil) : .inDoubt(error, retryAfter: nil)
        case .success(let response):
            if response.isSuccess {
                switch endpoint {
                case .sendBatch:
                    if let id = response.decode(BatchCampaignAccepted.self)?.campaignID, !id.isEmpty {
                        return .accepted(campaignID: id, messageID: nil)
                    }
                case .sendMessage:
                    if let id = response.decode(SendMessageAccepted.self)?.messageID, !id.isEmpty {
                        return .accepted(campaignID: nil, messageID: id)
                    }
                default:
                    return .accepted(campaignID: nil, messageID: nil)
                }
                return .inDoubt(RecordedError(
                    httpStatus: response.status, code: "UNPROVEN_ACCEPTANCE",
                    message: "a \(response.status) answer without the \(endpoint == .sendBatch ? "campaign" : "message") id proves nothing: "
                        + String(decoding: response.body.prefix(120), as: UTF8.self)), retryAfter: nil)
            }
            let body = response.errorBody
            let error = RecordedError(
                httpStatus: response.status, code: body?.code ?? "HTTP_\(response.status)",
                message: body?.message ?? String(decoding: response.body.prefix(200), as: UTF8.self),
                fields: body?.fields.flatMap { fields in
                    (try? WireCoding.encoder().encode(fields)).map { String(decoding: $0, as: UTF8.self) }
                },
                traceID: body?.traceID)
            switch response.status {
            case 300...399: return .redirected(error)
            case 401, 403: return .authentication(error)
            case 402: return .insufficientFunds(error)
            case 429, 425: return .notProcessed(error, retryAfter: response.retryAfter)
            case 408, 409, 500...599: return .inDoubt(error, retryAfter: response.retryAfter)
            case 422: return .rejected(error, recipients: recipientFields(body?.fields ?? [:]))
            default: return .rejected(error, recipients: [:])
            }
        }
    }

    /// Extracts `recipients[3]` / `recipients.3` / `recipients/3` entries of a 422's `fields`, parsed
    /// exactly (`recipients[1][2]` or `recipients.3.e164` name no single recipient).
    ///
    /// Only when every field names a recipient: a 422 about `content`, or about a field this parser does
    /// not understand, rejects the whole chunk.
    public static func recipientFields(_ fields: [String: String]) -> [Int: String] {
        var result: [Int: String] = [:]
        for (key, message) in fields {
            guard let index = recipientIndex(key) else { return [:] }
            result[index] = message
        }
        return result
    }

    /// The index in `recipients[N]`, `recipients.N` or `recipients/N`; nil for any other key.
    public static func recipientIndex(_ key: String) -> Int? {
        guard key.hasPrefix("recipients") else { return nil }
        var rest = key.dropFirst("recipients".count)
        switch rest.first {
        case "[":
            guard rest.last == "]" else { return nil }
            rest = rest.dropFirst().dropLast()
        case ".", "/":
            rest = rest.dropFirst()
        default:
            return nil
        }
        guard !rest.isEmpty, rest.count <= 6, rest.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(rest)
    }
}
