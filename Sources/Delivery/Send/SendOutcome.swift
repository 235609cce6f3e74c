public import Checkpoint
import Foundation
import ZiettAPI
public import ZiettClient

/// What one request's result means for its chunk and for the run.
public enum SendOutcome: Sendable, Equatable {
    /// 2xx: accepted. Ids when the body had them.
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
    /// 402: not enough balance. Stop the run; everything stays resumable.
    case insufficientFunds(RecordedError)

    /// Classifies a transport result. Pure: the whole safety argument rests on this table, and it is
    /// unit-tested case by case.
    public static func classify(_ result: Result<ZiettHTTPResponse, ZiettTransportError>) -> SendOutcome {
        switch result {
        case .failure(let transport):
            let error = RecordedError(
                httpStatus: nil, code: transport.kind == .timeout ? "TIMEOUT" : "CONNECTION_ERROR",
                message: transport.message)
            return transport.kind == .connect ? .notProcessed(error, retryAfter: nil) : .inDoubt(error, retryAfter: nil)
        case .success(let response):
            if response.isSuccess {
                let batch = response.decode(BatchCampaignAccepted.self)
                let single = response.decode(SendMessageAccepted.self)
                return .accepted(campaignID: batch?.campaignID, messageID: single?.messageID)
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
            case 401, 403: return .authentication(error)
            case 402: return .insufficientFunds(error)
            case 429, 425: return .notProcessed(error, retryAfter: response.retryAfter)
            case 408, 409, 500...599: return .inDoubt(error, retryAfter: response.retryAfter)
            case 422: return .rejected(error, recipients: recipientFields(body?.fields ?? [:]))
            default: return .rejected(error, recipients: [:])
            }
        }
    }

    /// Extracts `recipients[3]` / `recipients.3` / `recipients/3` entries of a 422's `fields`.
    ///
    /// Only when every field names a recipient: a 422 about `content` rejects the whole chunk.
    static func recipientFields(_ fields: [String: String]) -> [Int: String] {
        var result: [Int: String] = [:]
        for (key, message) in fields {
            guard key.hasPrefix("recipients") else { return [:] }
            let digits = key.dropFirst("recipients".count).filter(\.isNumber)
            guard let index = Int(String(digits)) else { return [:] }
            result[index] = message
        }
        return result
    }
}
