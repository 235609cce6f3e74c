/// One accepted batch, as the ledger reports it.
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
    /// Status when the snapshot was taken (PROCESSING → SENDING → COMPLETED, or PENDING → COMPLETED).
    public var status: String
    /// Creation time (Unix seconds, simulator clock).
    public var createdAt: Double
    /// The sender id.
    public var remitterID: String
    /// The default country sent with it.
    public var countryAlpha2: String?
    /// Campaign-level failure (`BILLING_INSUFFICIENT_FUNDS` when the background funds check failed).
    public var errorCode: String?
    /// Messages it produced (0 when it failed for funds).
    public var messageCount: Int
}
