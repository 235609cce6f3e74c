/// One message record (single, or one recipient of a campaign), as the ledger reports it.
public struct LedgerMessage: Sendable, Equatable, Codable {
    /// Message id.
    public var id: String
    /// The campaign, nil for single messages.
    public var campaignID: String?
    /// The normalised recipient (the number as sent when it could not be parsed).
    public var e164: String
    /// Text.
    public var content: String
    /// Status when the snapshot was taken: PENDING, SENT, DELIVERED, FAILED, UNDELIVERED.
    public var status: String
    /// Delivery error code.
    public var errorCode: String?
    /// Creation time (Unix seconds, simulator clock).
    public var createdAt: Double
    /// The number exactly as the client sent it.
    public var raw: String
    /// The sender id.
    public var remitterID: String
    /// What it cost.
    public var cost: Double
    /// True once a failure gave the charge back.
    public var isRefunded: Bool
    /// Last status change (Unix seconds, simulator clock).
    public var updatedAt: Double
}
