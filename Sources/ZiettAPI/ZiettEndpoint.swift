import Foundation

/// One operation of the Ziett API: its method, path, scope and documented rate limit.
///
/// The one spelling of an endpoint for the client (method and path), the pacer (limit and bucket), the
/// plan (requests per endpoint), the state (the `attempt.endpoint` label is `rawValue`) and the simulator.
public enum ZiettEndpoint: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// `POST /messages`: one text to one number.
    case sendMessage = "POST /messages"
    /// `GET /messages`: a page of messages, filtered.
    case listMessages = "GET /messages"
    /// `GET /messages/{id}`.
    case getMessage = "GET /messages/{id}"
    /// `POST /campaigns/batch`: one text to 2–1000 numbers.
    case sendBatch = "POST /campaigns/batch"
    /// `GET /campaigns`: a page of campaigns, filtered.
    case listCampaigns = "GET /campaigns"
    /// `GET /campaigns/{id}`.
    case getCampaign = "GET /campaigns/{id}"
    /// `GET /campaigns/{id}/messages`.
    case listCampaignMessages = "GET /campaigns/{id}/messages"

    /// `POST /campaigns/batch`: method and path template, as the docs and logs spell it.
    public var description: String { rawValue }

    /// `POST` or `GET`.
    public var method: String { isWrite ? "POST" : "GET" }

    /// The path template under the API's base URL (`/campaigns/{id}`).
    public var pathTemplate: String { String(rawValue.drop { $0 != " " }.dropFirst()) }

    /// The path with `{id}` filled in (for the endpoints without an id, the template itself).
    public func path(id: String? = nil) -> String {
        guard let id else { return pathTemplate }
        return pathTemplate.replacingOccurrences(of: "{id}", with: id)
    }

    /// True for the POSTs: the requests that send SMS and cost money.
    public var isWrite: Bool { self == .sendMessage || self == .sendBatch }

    /// The scope a key needs, in the endpoint pages' spelling (`apikey:messages:send`).
    ///
    /// The docs give no scope for `GET /campaigns` and `GET /campaigns/{id}/messages`; `apikey:campaign:read`
    /// (as `GET /campaigns/{id}`) is assumed.
    public var scope: String {
        switch self {
        case .sendMessage: "apikey:messages:send"
        case .listMessages: "apikey:messages:list"
        case .getMessage: "apikey:messages:read"
        case .sendBatch: "apikey:campaign:send"
        case .listCampaigns, .getCampaign, .listCampaignMessages: "apikey:campaign:read"
        }
    }

    /// The documented per-key limit, the stricter figure where the two doc sites disagree.
    ///
    /// `POST /campaigns/batch`: 10 per minute (both sites agree). `POST /messages`: 120 per minute (the old
    /// site says 15 per second). Every `GET`: 60 per minute (the List Messages page; the rate-limit page
    /// says 300), counted in one budget shared by all reads (`pacingBucket`).
    public var documentedLimit: RateLimit {
        switch self {
        case .sendBatch: RateLimit(count: 10, window: 60)
        case .sendMessage: RateLimit(count: 120, window: 60)
        case .listMessages, .getMessage, .listCampaigns, .getCampaign, .listCampaignMessages: RateLimit(count: 60, window: 60)
        }
    }

    /// The budget a request counts against: each `POST` its own, every `GET` one shared read budget.
    public var pacingBucket: PacingBucket { isWrite ? PacingBucket(rawValue: rawValue) : .reads }
}

/// A rate-limit budget of the API key: one per send endpoint, one for all reads.
public struct PacingBucket: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// `POST /messages`, `POST /campaigns/batch` or `GET /*`.
    public var rawValue: String
    /// Creates a bucket.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Every `GET`.
    public static let reads = PacingBucket(rawValue: "GET /*")
    public var description: String { rawValue }
}
