/// A campaign as listed by `GET /campaigns` and returned by `GET /campaigns/{id}`.
///
/// Only the members ziett-batch reads are required; everything else the API sends is ignored.
public struct Campaign: Codable, Sendable, Equatable {
    /// UUID (v7 in the new docs).
    public var id: String
    /// The batch `name` given at creation; ziett-batch's reconciliation key.
    public var name: String
    /// `PROCESSING`, `SENDING`, `COMPLETED`, `FAILED`, … (the two doc sites disagree on the set).
    public var status: String
    /// The message text.
    public var content: String?
    /// Recipient count, when given.
    public var totalRecipients: Int?
    /// Creation time, ISO 8601.
    public var createdAt: String?
    /// Last change, ISO 8601.
    public var updatedAt: String?
    /// Campaign-level failure code (`SYSTEM_DISPATCH_ERROR`).
    public var errorCode: String?

    /// Creates a campaign record.
    public init(
        id: String, name: String, status: String, content: String? = nil, totalRecipients: Int? = nil,
        createdAt: String? = nil, updatedAt: String? = nil, errorCode: String? = nil
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.content = content
        self.totalRecipients = totalRecipients
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.errorCode = errorCode
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, content
        case totalRecipients = "total_recipients"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case errorCode = "error_code"
    }
}
