public import Checkpoint
import Foundation
import ZiettAPI
public import ZiettClient

/// Finds out whether an in-doubt request reached the API, before anything is resent.
///
/// Batches are found by their unique `name` (`GET /campaigns?q=`); single messages by number, exact
/// text and time (`GET /messages?q=&created_at__ge=`). This keeps "each recipient accepted once" even
/// when the API ignores Idempotency-Key or the 24-hour key window has passed: a resend happens only
/// after a look-up proved the request absent.
public struct Reconciler: Sendable {
    /// What a look-up proved.
    public enum Finding: Sendable, Equatable {
        /// The API has it: record these ids.
        case found(campaignID: String?, messageID: String?)
        /// The API does not have it: a resend is safe.
        case absent
        /// The look-up failed; nothing is proven.
        case unknown(RecordedError)
        /// The key was refused.
        case authentication(RecordedError)
    }

    let client: ZiettClient

    /// Creates a reconciler.
    public init(client: ZiettClient) { self.client = client }

    /// Looks for a batch by its exact name.
    public func findBatch(named name: String) async -> Finding {
        var page = 1
        while true {
            let result = await client.listCampaigns(named: name, page: page)
            guard case .success(let response) = result, response.isSuccess,
                  let list = response.decode(Page<Campaign>.self)
            else { return failure(result) }
            if let match = list.entries.first(where: { $0.name == name }) {
                return .found(campaignID: match.id, messageID: nil)
            }
            if page >= list.pages || list.entries.isEmpty { return .absent }
            page += 1
        }
    }

    /// Looks for a single message to `e164` with exactly `content`, created at or after `since`.
    public func findMessage(e164: String, content: String, since: Double) async -> Finding {
        let formatter = ISO8601DateFormatter()
        let after = formatter.string(from: Date(timeIntervalSince1970: since.rounded(.down) - 1))
        var page = 1
        while true {
            let result = await client.listMessages([
                ("q", e164), ("created_at__ge", after), ("order", "asc"), ("order_by", "created_at"),
                ("page", "\(page)"), ("size", "\(Page<Message>.maximumSize)"),
            ])
            guard case .success(let response) = result, response.isSuccess,
                  let list = response.decode(Page<Message>.self)
            else { return failure(result) }
            if let match = list.entries.first(where: { $0.e164 == e164 && $0.content == content && $0.campaignID == nil }) {
                return .found(campaignID: nil, messageID: match.id)
            }
            if page >= list.pages || list.entries.isEmpty { return .absent }
            page += 1
        }
    }

    private func failure(_ result: Result<ZiettHTTPResponse, ZiettTransportError>) -> Finding {
        switch SendOutcome.classify(result) {
        case .authentication(let error): return .authentication(error)
        case .rejected(let e, _), .notProcessed(let e, _), .inDoubt(let e, _), .insufficientFunds(let e):
            return .unknown(e)
        case .accepted:
            return .unknown(RecordedError(httpStatus: nil, code: "UNREADABLE_LIST", message: "the list answer could not be decoded"))
        }
    }
}
