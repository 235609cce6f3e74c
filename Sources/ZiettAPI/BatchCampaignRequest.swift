/// The body of `POST /campaigns/batch`: one message text for up to 1000 recipients.
///
/// Field order and names follow the public docs; `JSONEncoder` with `.sortedKeys` makes the encoded bytes
/// deterministic, which matters because the Idempotency-Key commits to the exact body.
public struct BatchCampaignRequest: Codable, Sendable, Equatable {
    /// A name unique to the job and chunk; it is how an in-doubt chunk is found again with `GET /campaigns?q=`.
    public var name: String
    /// The sender ID (a UUID configured in the organisation).
    public var remitterID: String
    /// The message text, the same for every recipient.
    public var content: String
    /// Always `SMS`: the only channel the API accepts for sending.
    public var channelType: String
    /// Local or international numbers; ziett-batch always sends E.164.
    public var recipients: [String]
    /// The default country for numbers without a country code (`AO`); optional.
    public var countryAlpha2: String?

    /// Creates a batch body.
    public init(name: String, remitterID: String, content: String, recipients: [String], countryAlpha2: String? = nil) {
        self.name = name
        self.remitterID = remitterID
        self.content = content
        self.channelType = "SMS"
        self.recipients = recipients
        self.countryAlpha2 = countryAlpha2
    }

    enum CodingKeys: String, CodingKey {
        case name
        case remitterID = "remitter_id"
        case content
        case channelType = "channel_type"
        case recipients
        case countryAlpha2 = "country_alpha2"
    }
}

/// The body of a `202 Accepted` answer to `POST /campaigns/batch`.
///
/// The old docs show a `null` body, the new ones `{message, campaign_id}`; both decode here.
public struct BatchCampaignAccepted: Codable, Sendable, Equatable {
    /// The campaign the batch became; nil when the API answered without a body.
    public var campaignID: String?
    /// The API's human-readable note.
    public var message: String?

    /// Creates an answer.
    public init(campaignID: String?, message: String?) {
        self.campaignID = campaignID
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case campaignID = "campaign_id"
        case message
    }
}
