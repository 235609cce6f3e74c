/// A message as listed by `GET /messages` or returned by `GET /messages/{id}`.
///
/// The list and the detail endpoints name the number differently (`target_e164` vs `e164_format`);
/// both decode into `e164`.
public struct Message: Codable, Sendable, Equatable {
    /// UUID (v7).
    public var id: String
    /// The campaign it came from, nil for single messages.
    public var campaignID: String?
    /// The recipient in E.164.
    public var e164: String?
    /// The text.
    public var content: String?
    /// `PENDING`, `SENT`, `DELIVERED`, `FAILED`, `UNDELIVERED`, …
    public var status: String
    /// Delivery failure code, e.g. `INVALID_PHONE_NUMBER`.
    public var errorCode: String?
    /// Decimal string, e.g. `"15.000000"`.
    public var cost: String?
    /// True when a failed delivery was refunded.
    public var isRefunded: Bool?
    /// Creation time, ISO 8601.
    public var createdAt: String?
    /// Last change, ISO 8601.
    public var updatedAt: String?

    /// Creates a message record.
    public init(
        id: String, campaignID: String?, e164: String?, content: String?, status: String,
        errorCode: String? = nil, cost: String? = nil, isRefunded: Bool? = nil,
        createdAt: String? = nil, updatedAt: String? = nil
    ) {
        self.id = id
        self.campaignID = campaignID
        self.e164 = e164
        self.content = content
        self.status = status
        self.errorCode = errorCode
        self.cost = cost
        self.isRefunded = isRefunded
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case campaignID = "campaign_id"
        case targetE164 = "target_e164"
        case e164Format = "e164_format"
        case content, status
        case errorCode = "error_code"
        case cost
        case isRefunded = "is_refunded"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        campaignID = try c.decodeIfPresent(String.self, forKey: .campaignID)
        e164 = try c.decodeIfPresent(String.self, forKey: .targetE164)
            ?? c.decodeIfPresent(String.self, forKey: .e164Format)
        content = try c.decodeIfPresent(String.self, forKey: .content)
        status = try c.decode(String.self, forKey: .status)
        errorCode = try c.decodeIfPresent(String.self, forKey: .errorCode)
        cost = try c.decodeIfPresent(String.self, forKey: .cost)
        isRefunded = try c.decodeIfPresent(Bool.self, forKey: .isRefunded)
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
        updatedAt = try c.decodeIfPresent(String.self, forKey: .updatedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(campaignID, forKey: .campaignID)
        try c.encodeIfPresent(e164, forKey: .targetE164)
        try c.encodeIfPresent(content, forKey: .content)
        try c.encode(status, forKey: .status)
        try c.encode(errorCode, forKey: .errorCode)
        try c.encodeIfPresent(cost, forKey: .cost)
        try c.encodeIfPresent(isRefunded, forKey: .isRefunded)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
        try c.encodeIfPresent(updatedAt, forKey: .updatedAt)
    }
}
