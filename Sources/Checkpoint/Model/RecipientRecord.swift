/// One data row of the input as the report shows it.
public struct RecipientRecord: Sendable, Equatable {
    /// 1-based data row.
    public var row: Int
    /// Physical line where the row starts.
    public var line: Int
    /// The phone cell as read.
    public var phone: String
    /// E.164, when valid.
    public var e164: String?
    /// Where it stands.
    public var status: RecipientStatus
    /// Why, for anything but pending/sent.
    public var reason: String?
    /// The chunk it belongs to.
    public var chunk: Int?
    /// The campaign (batch) it went out in.
    public var campaignID: String?
    /// The message id (single messages, or after tracking).
    public var messageID: String?
    /// The API trace id of the answer that decided it.
    public var traceID: String?
    /// Last change (Unix seconds).
    public var updatedAt: Double?

    /// Creates a record.
    public init(
        row: Int, line: Int, phone: String, e164: String?, status: RecipientStatus, reason: String?,
        chunk: Int?, campaignID: String?, messageID: String?, traceID: String?, updatedAt: Double?
    ) {
        self.row = row
        self.line = line
        self.phone = phone
        self.e164 = e164
        self.status = status
        self.reason = reason
        self.chunk = chunk
        self.campaignID = campaignID
        self.messageID = messageID
        self.traceID = traceID
        self.updatedAt = updatedAt
    }
}
