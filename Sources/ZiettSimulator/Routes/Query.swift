import Foundation

/// A parsed query string, read with the documented rules; every problem becomes a `fields` entry.
struct Query {
    private var values: [(String, String)] = []
    /// Problems found so far, by parameter name.
    var problems: [String: String] = [:]

    init(_ raw: String?) {
        for pair in (raw ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            values.append((Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : ""))
        }
    }

    private static func decode(_ part: Substring) -> String {
        let text = part.replacingOccurrences(of: "+", with: " ")
        return text.removingPercentEncoding ?? text
    }

    /// The first value of `name`.
    subscript(name: String) -> String? { values.first { $0.0 == name }?.1 }

    /// Every value of a repeatable parameter.
    func all(_ name: String) -> [String] { values.filter { $0.0 == name }.map(\.1) }

    /// `page` ≥ 1 (default 1) and `size` 1…200 (default 30).
    mutating func paging() -> (page: Int, size: Int) {
        let page = integer("page", default: 1, range: 1...2_147_483_647)
        let size = integer("size", default: 30, range: 1...200)
        return (page, size)
    }

    private mutating func integer(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let text = self[name] else { return value }
        guard let number = Int(text), range.contains(number) else {
            problems[name] = "must be an integer from \(range.lowerBound) to \(range.upperBound)"
            return value
        }
        return number
    }

    /// `order` (`asc`/`desc`, default `desc`) and `order_by` (`created_at`/`updated_at`, default `created_at`).
    mutating func order() -> ListOrder {
        var order = ListOrder()
        switch self["order"] {
        case nil, "desc": break
        case "asc": order.ascending = true
        default: problems["order"] = "must be one of: asc, desc"
        }
        switch self["order_by"] {
        case nil, "created_at": break
        case "updated_at": order.byUpdatedAt = true
        default: problems["order_by"] = "must be one of: created_at, updated_at"
        }
        return order
    }

    /// An RFC 3339 date-time bound.
    mutating func date(_ name: String) -> Double? {
        guard let text = self[name] else { return nil }
        guard let t = Timestamp.parse(text) else {
            problems[name] = "must be an ISO 8601 date-time such as 2026-01-01T00:00:00Z"
            return nil
        }
        return t
    }

    /// A repeatable enum; `caseInsensitive` accepts `sent` for `SENT`.
    mutating func enumValues(_ name: String, allowed: [String], caseInsensitive: Bool = false) -> Set<String> {
        var result: Set<String> = []
        for value in all(name) {
            let v = caseInsensitive ? value.uppercased() : value
            if allowed.contains(v) { result.insert(v) } else { problems[name] = "must be one of: " + allowed.joined(separator: ", ") }
        }
        return result
    }

    /// A repeatable UUID, lower-cased.
    mutating func uuids(_ name: String) -> Set<String> {
        var result: Set<String> = []
        for value in all(name) {
            if UUIDText.isUUID(value) { result.insert(value.lowercased()) } else { problems[name] = "must be a UUID" }
        }
        return result
    }

    /// Throws 422 with every problem found.
    func check() throws {
        if !problems.isEmpty { throw SimulatorError.validation(problems) }
    }

    static let messageStatuses = ["PENDING", "SENT", "DELIVERED", "FAILED", "UNDELIVERED", "EXPIRED", "REJECTED", "CANCELLED"]
    static let campaignStatuses = ["DRAFT", "SCHEDULED", "PENDING", "PROCESSING", "SENDING", "COMPLETED", "CANCELLED", "FAILED", "PAUSED"]
    static let channelTypes = ["SMS", "WHATSAPP"]

    /// The filters of the message lists.
    mutating func messageFilter(caseInsensitiveStatus: Bool) -> MessageFilter {
        var f = MessageFilter()
        f.q = self["q"]
        f.statuses = enumValues("status", allowed: Self.messageStatuses, caseInsensitive: caseInsensitiveStatus)
        f.channelTypes = enumValues("channel_type", allowed: Self.channelTypes)
        f.campaignIDs = uuids("campaign_id")
        f.contactIDs = uuids("contact_id")
        f.remitterIDs = uuids("sms_remitter_id")
        f.createdAtGE = date("created_at__ge")
        f.createdAtLE = date("created_at__le")
        return f
    }

    /// The filters of the campaign list.
    mutating func campaignFilter(caseInsensitiveStatus: Bool) -> CampaignFilter {
        var f = CampaignFilter()
        f.q = self["q"]
        f.statuses = enumValues("status", allowed: Self.campaignStatuses, caseInsensitive: caseInsensitiveStatus)
        f.channelTypes = enumValues("channel_type", allowed: Self.channelTypes)
        f.remitterIDs = uuids("remitter_id").union(uuids("sms_remitter_id"))
        f.tagIDs = uuids("tag_id")
        f.createdAtGE = date("created_at__ge")
        f.createdAtLE = date("created_at__le")
        return f
    }
}
