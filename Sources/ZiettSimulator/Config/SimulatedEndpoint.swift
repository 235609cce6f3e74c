/// The simulated operations, each with its method, path template and required scope.
public enum SimulatedEndpoint: String, Sendable, Hashable, CaseIterable, Codable {
    /// `POST /messages`.
    case sendMessage = "POST /messages"
    /// `GET /messages`.
    case listMessages = "GET /messages"
    /// `GET /messages/{id}`.
    case getMessage = "GET /messages/{id}"
    /// `POST /campaigns/batch`.
    case sendBatch = "POST /campaigns/batch"
    /// `GET /campaigns`.
    case listCampaigns = "GET /campaigns"
    /// `GET /campaigns/{id}`.
    case getCampaign = "GET /campaigns/{id}"
    /// `GET /campaigns/{id}/messages`.
    case listCampaignMessages = "GET /campaigns/{id}/messages"

    /// True for the POSTs.
    public var isWrite: Bool { self == .sendMessage || self == .sendBatch }

    /// The scope a key needs, in the endpoint pages' spelling (`apikey:messages:send`).
    ///
    /// The docs give no scope for `GET /campaigns` and `GET /campaigns/{id}/messages`; the simulator asks
    /// for `apikey:campaign:read`, like `GET /campaigns/{id}`.
    public var scope: String {
        switch self {
        case .sendMessage: "apikey:messages:send"
        case .listMessages: "apikey:messages:list"
        case .getMessage: "apikey:messages:read"
        case .sendBatch: "apikey:campaign:send"
        case .listCampaigns, .getCampaign, .listCampaignMessages: "apikey:campaign:read"
        }
    }

    /// The rate-limit bucket: each POST has its own, every GET shares `GET /*` (unless split).
    func bucket(separateListMessages: Bool) -> String {
        if isWrite { return rawValue }
        if separateListMessages && self == .listMessages { return rawValue }
        return "GET /*"
    }

    /// Both spellings of a scope in the docs map to one canonical form (`messages:send`, `campaigns:read`).
    static func canonicalScope(_ scope: String) -> String {
        var s = Substring(scope.lowercased())
        if s.hasPrefix("apikey:") { s = s.dropFirst("apikey:".count) }
        if s.hasPrefix("campaign:") { return "campaigns:" + s.dropFirst("campaign:".count) }
        return String(s)
    }
}
