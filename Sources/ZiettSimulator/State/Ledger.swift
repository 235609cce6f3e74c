/// Everything the simulator accepted: what was sent to whom, how often.
public struct LedgerCampaign: Sendable, Equatable, Codable {
    /// Campaign id.
    public var id: String
    /// Batch name.
    public var name: String
    /// Text.
    public var content: String
    /// Recipients as sent.
    public var recipients: [String]
    /// Idempotency-Key sent with it.
    public var idempotencyKey: String?
    /// Status (PROCESSING → SENDING → COMPLETED).
    public var status: String
    /// Creation time (Unix seconds, simulator clock).
    public var createdAt: Double
}

/// One message record (single, or one recipient of a campaign).
public struct LedgerMessage: Sendable, Equatable, Codable {
    /// Message id.
    public var id: String
    /// The campaign, nil for single messages.
    public var campaignID: String?
    /// The normalised recipient.
    public var e164: String
    /// Text.
    public var content: String
    /// PENDING, SENT, DELIVERED, FAILED, UNDELIVERED.
    public var status: String
    /// Delivery error code.
    public var errorCode: String?
    /// Creation time (Unix seconds, simulator clock).
    public var createdAt: Double
}

/// A read-only copy of the ledger.
public struct LedgerSnapshot: Sendable {
    /// Accepted campaigns, in order.
    public var campaigns: [LedgerCampaign]
    /// Accepted messages, in order.
    public var messages: [LedgerMessage]
    /// Requests answered, by "METHOD path status".
    public var responses: [String: Int]

    /// How many times each number was accepted (campaign recipients and single messages).
    public var acceptedCountByNumber: [String: Int] {
        var counts: [String: Int] = [:]
        for message in messages { counts[message.e164, default: 0] += 1 }
        return counts
    }
}
