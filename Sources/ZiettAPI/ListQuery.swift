public import Foundation

/// The filters of a list endpoint, typed; the client turns them into the query string.
///
/// Every list is read oldest first (`order=asc&order_by=created_at`) at the largest page size, so a
/// paged read sees a record that appears while it reads at the end, not shifted onto a page already read.
public protocol ListQuery: Sendable {
    /// What one page holds.
    associatedtype Entry: Codable & Sendable & Equatable
    /// The endpoint it reads.
    static var endpoint: ZiettEndpoint { get }
    /// The query parameters for page `page` (from 1), in a fixed order.
    func parameters(page: Int) -> [(String, String)]
}

/// `GET /campaigns`: campaigns whose name matches `search` (`q`), optionally created at or after a time.
public struct CampaignListQuery: ListQuery {
    public typealias Entry = Campaign
    public static var endpoint: ZiettEndpoint { .listCampaigns }

    /// Text matched against the campaign name (`q`).
    public var search: String
    /// Only campaigns created at or after this time (`created_at__ge`, ISO 8601, whole seconds rounded down).
    public var createdAtOrAfter: Date?

    /// Creates a query.
    public init(search: String, createdAtOrAfter: Date? = nil) {
        self.search = search
        self.createdAtOrAfter = createdAtOrAfter
    }

    public func parameters(page: Int) -> [(String, String)] {
        var list = [("q", search)]
        if let createdAtOrAfter { list.append(("created_at__ge", ISO8601DateFormatter().string(from: createdAtOrAfter.wholeSeconds))) }
        return list + [("page", "\(page)"), ("size", "\(Page<Campaign>.maximumSize)"), ("order", "asc"), ("order_by", "created_at")]
    }
}

extension Date {
    /// This time rounded down to a whole second, as the list filters take it.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }

    /// An ISO 8601 time with a UTC offset, with or without fractional seconds (`2026-12-01T18:00:00Z`,
    /// `…T18:00:00.123+01:00`): how the API writes `created_at`, and how operators give campaign times.
    public init?(iso8601 text: String) {
        if let date = ISO8601DateFormatter().date(from: text) {
            self = date
            return
        }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = fractional.date(from: text) else { return nil }
        self = date
    }
}

/// `GET /messages`: messages matching every filter given.
public struct MessageListQuery: ListQuery {
    public typealias Entry = Message
    public static var endpoint: ZiettEndpoint { .listMessages }

    /// Free text (`q`): a number or a message id.
    public var search: String?
    /// Only this campaign's messages (`campaign_id`).
    public var campaignID: String?
    /// Only messages created at or after this time (`created_at__ge`, ISO 8601, whole seconds rounded down).
    public var createdAtOrAfter: Date?
    /// Only this sender's messages (`sms_remitter_id`).
    public var remitterID: String?
    /// Only this channel (`channel_type`, e.g. `SMS`).
    public var channelType: String?

    /// Creates a query.
    public init(
        search: String? = nil, campaignID: String? = nil, createdAtOrAfter: Date? = nil, remitterID: String? = nil,
        channelType: String? = nil
    ) {
        self.search = search
        self.campaignID = campaignID
        self.createdAtOrAfter = createdAtOrAfter
        self.remitterID = remitterID
        self.channelType = channelType
    }

    public func parameters(page: Int) -> [(String, String)] {
        var list: [(String, String)] = []
        if let search { list.append(("q", search)) }
        if let campaignID { list.append(("campaign_id", campaignID)) }
        if let createdAtOrAfter {
            list.append(("created_at__ge", ISO8601DateFormatter().string(from: createdAtOrAfter.wholeSeconds)))
        }
        if let remitterID { list.append(("sms_remitter_id", remitterID)) }
        if let channelType { list.append(("channel_type", channelType)) }
        list += [("order", "asc"), ("order_by", "created_at"), ("page", "\(page)"), ("size", "\(Page<Message>.maximumSize)")]
        return list
    }
}
