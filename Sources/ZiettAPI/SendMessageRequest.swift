/// The body of `POST /messages`: one message to one E.164 number.
public struct SendMessageRequest: Codable, Sendable, Equatable {
    /// The sender ID (a UUID).
    public var remitterID: String
    /// Always `SMS`.
    public var channelType: String
    /// The recipient in E.164 (`+244923456789`); the single-message endpoint accepts nothing else.
    public var targetE164: String
    /// The message text, at most 1600 characters.
    public var content: String

    /// Creates a single-message body.
    public init(remitterID: String, targetE164: String, content: String) {
        self.remitterID = remitterID
        self.channelType = "SMS"
        self.targetE164 = targetE164
        self.content = content
    }

    enum CodingKeys: String, CodingKey {
        case remitterID = "remitter_id"
        case channelType = "channel_type"
        case targetE164 = "target_e164"
        case content
    }
}

/// The body of a `202 Accepted` answer to `POST /messages`.
public struct SendMessageAccepted: Codable, Sendable, Equatable {
    /// The queued message.
    public var messageID: String

    /// Creates an answer.
    public init(messageID: String) { self.messageID = messageID }

    enum CodingKeys: String, CodingKey { case messageID = "message_id" }
}
