/// A message as a GET sees it at one instant.
struct MessageView: Sendable {
    var record: MessageRecord
    var status: String
    var errorCode: String?
    var isRefunded: Bool
    var updatedAt: Double
}

/// A campaign as a GET sees it at one instant.
struct CampaignView: Sendable {
    var record: CampaignRecord
    var status: String
    var updatedAt: Double
    var processedAt: Double?
    var completedAt: Double?
}

/// The filters of `GET /messages` and `GET /campaigns/{id}/messages`.
struct MessageFilter: Sendable {
    var q: String?
    var statuses: Set<String> = []
    var channelTypes: Set<String> = []
    var campaignIDs: Set<String> = []
    var contactIDs: Set<String> = []
    var remitterIDs: Set<String> = []
    var createdAtGE: Double?
    var createdAtLE: Double?
}

/// The filters of `GET /campaigns`.
struct CampaignFilter: Sendable {
    var q: String?
    var statuses: Set<String> = []
    var channelTypes: Set<String> = []
    var remitterIDs: Set<String> = []
    var tagIDs: Set<String> = []
    var createdAtGE: Double?
    var createdAtLE: Double?
}

/// `order` and `order_by`.
struct ListOrder: Sendable {
    var ascending = false
    var byUpdatedAt = false
}

extension SimulatorState {
    func messageView(_ m: MessageRecord, at t: Double) -> MessageView {
        let life = lifecycle
        let (status, updated) = life.status(of: m, at: t)
        return MessageView(
            record: m, status: status, errorCode: life.errorCode(of: m, at: t),
            isRefunded: life.refundTime(of: m).map { $0 <= t } ?? false, updatedAt: updated)
    }

    func campaignView(_ c: CampaignRecord, at t: Double) -> CampaignView {
        let life = lifecycle
        let (status, updated) = life.status(of: c, at: t)
        let processed = life.processedAt(c)
        let completed = life.completedAt(c)
        return CampaignView(
            record: c, status: status, updatedAt: updated, processedAt: processed <= t ? processed : nil,
            completedAt: completed <= t ? completed : nil)
    }

    /// Seconds a new record stays out of reads (`fidelity.listLag`).
    var listLag: Double { max(0, configuration.fidelity.listLag) }

    /// The message with this id, if it exists yet and is past the list lag.
    func message(id: String) -> MessageView? {
        let t = now
        guard let index = messageIndex[id.lowercased()], messages[index].createdAt + listLag <= t else { return nil }
        return messageView(messages[index], at: t)
    }

    /// The campaign with this id, once it is past the list lag.
    func campaign(id: String) -> CampaignView? {
        let t = now
        guard let index = campaignIndex[id.lowercased()], campaigns[index].acceptedAt + listLag <= t else { return nil }
        return campaignView(campaigns[index], at: t)
    }

    /// Visible messages (existing and past the list lag) matching `filter`, in `order`.
    func findMessages(_ filter: MessageFilter, order: ListOrder) -> [MessageView] {
        let t = now
        let lag = listLag
        var found: [MessageView] = []
        for m in messages where m.createdAt + lag <= t {
            if let q = filter.q, !q.isEmpty, !((m.e164 ?? m.raw).contains(q) || m.id == q.lowercased()) { continue }
            if !filter.campaignIDs.isEmpty, !filter.campaignIDs.contains(m.campaignID ?? "") { continue }
            if !filter.contactIDs.isEmpty { continue }
            if !filter.channelTypes.isEmpty, !filter.channelTypes.contains("SMS") { continue }
            if !filter.remitterIDs.isEmpty, !filter.remitterIDs.contains(m.remitterID.lowercased()) { continue }
            if let ge = filter.createdAtGE, m.createdAt < ge { continue }
            if let le = filter.createdAtLE, m.createdAt > le { continue }
            let view = messageView(m, at: t)
            if !filter.statuses.isEmpty, !filter.statuses.contains(view.status) { continue }
            found.append(view)
        }
        return Self.sorted(found, order: order, created: { $0.record.createdAt }, updated: { $0.updatedAt }, sequence: { $0.record.sequence })
    }

    /// Visible campaigns (past the list lag) matching `filter`, in `order`.
    func findCampaigns(_ filter: CampaignFilter, order: ListOrder) -> [CampaignView] {
        let t = now
        let lag = listLag
        var found: [CampaignView] = []
        for c in campaigns where c.acceptedAt + lag <= t {
            if let q = filter.q, !q.isEmpty, !c.name.lowercased().contains(q.lowercased()) { continue }
            if !filter.channelTypes.isEmpty, !filter.channelTypes.contains("SMS") { continue }
            if !filter.remitterIDs.isEmpty, !filter.remitterIDs.contains(c.remitterID.lowercased()) { continue }
            if !filter.tagIDs.isEmpty { continue }
            if let ge = filter.createdAtGE, c.acceptedAt < ge { continue }
            if let le = filter.createdAtLE, c.acceptedAt > le { continue }
            let view = campaignView(c, at: t)
            if !filter.statuses.isEmpty, !filter.statuses.contains(view.status) { continue }
            found.append(view)
        }
        return Self.sorted(found, order: order, created: { $0.record.acceptedAt }, updated: { $0.updatedAt }, sequence: { $0.record.sequence })
    }

    static func sorted<T>(
        _ items: [T], order: ListOrder, created: (T) -> Double, updated: (T) -> Double, sequence: (T) -> Int
    ) -> [T] {
        let key = order.byUpdatedAt ? updated : created
        return items.sorted { a, b in
            let (ka, kb) = (key(a), key(b))
            if ka != kb { return order.ascending ? ka < kb : ka > kb }
            return order.ascending ? sequence(a) < sequence(b) : sequence(a) > sequence(b)
        }
    }
}
