/// One accepted batch, as the simulator keeps it; its status is computed from the clock.
struct CampaignRecord: Sendable {
    var id: String
    var sequence: Int
    var name: String
    var remitterID: String
    var content: String
    var recipients: [String]
    var countryAlpha2: String?
    var idempotencyKey: String?
    var acceptedAt: Double
    /// The background funds check failed: the campaign ends FAILED without messages.
    var failedForFunds: Bool
    var messageCount: Int
}
