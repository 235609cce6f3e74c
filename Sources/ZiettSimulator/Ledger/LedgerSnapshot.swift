/// A read-only copy of the ledger: what was sent to whom, how often.
public struct LedgerSnapshot: Sendable {
    /// Accepted campaigns, in order.
    public var campaigns: [LedgerCampaign]
    /// Accepted messages, in order (campaign messages included even before they are visible to GETs).
    public var messages: [LedgerMessage]
    /// Requests answered, by "METHOD path status".
    public var responses: [String: Int]
    /// Every POST received, in order.
    public var requests: [LedgerRequest] = []

    /// How many times each number was accepted (campaign recipients and single messages).
    public var acceptedCountByNumber: [String: Int] {
        var counts: [String: Int] = [:]
        for message in messages { counts[message.e164, default: 0] += 1 }
        return counts
    }
}
