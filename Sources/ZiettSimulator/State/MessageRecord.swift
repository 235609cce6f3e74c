/// One message (a single send, or one recipient of a campaign); its status is computed from the clock.
struct MessageRecord: Sendable {
    var id: String
    var sequence: Int
    var campaignID: String?
    var remitterID: String
    /// The number as the client sent it.
    var raw: String
    /// The normalised number; nil when it could not be parsed.
    var e164: String?
    var content: String
    /// When it exists (for campaign messages, possibly when PROCESSING ends).
    var createdAt: Double
    /// When it is queued to the carrier (PENDING from here until `sentAt`).
    var queuedAt: Double
    var outcome: MessageOutcome
    var errorCode: String?
    var cost: Double
    var refunded = false
}
