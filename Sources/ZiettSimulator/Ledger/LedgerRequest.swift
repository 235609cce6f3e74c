/// One POST the simulator received, and what became of it.
public struct LedgerRequest: Sendable, Equatable, Codable {
    /// When it arrived (Unix seconds, simulator clock).
    public var time: Double
    /// `POST /campaigns/batch` or `POST /messages`.
    public var endpoint: String
    /// The Idempotency-Key, if any.
    public var idempotencyKey: String?
    /// The status answered; nil when the reply was lost on purpose.
    public var status: Int?
    /// `created`, `replayed`, `rejected`, or `created, reply lost` / `replayed, reply lost`.
    public var outcome: String
    /// The campaign or message it created or replayed.
    public var resourceID: String?
}
