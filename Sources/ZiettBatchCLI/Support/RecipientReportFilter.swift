import Checkpoint

/// Which rows of the per-recipient report `report --only` keeps.
enum RecipientReportFilter: String, CaseIterable {
    case sent, pending, invalid, duplicate, suppressed, rejected, expired
    /// invalid + rejected: what did not go out.
    case failed
    /// Tracked as DELIVERED.
    case delivered
    /// Tracked with a final status other than DELIVERED (FAILED, UNDELIVERED, EXPIRED, …).
    case undelivered
    /// Sent, but no final delivery status known yet.
    case untracked

    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    func keeps(_ r: RecipientRecord, _ d: RecipientDelivery) -> Bool {
        switch self {
        case .failed: return r.status == .invalid || r.status == .rejected
        case .delivered: return d.status == "DELIVERED"
        case .undelivered: return d.status.map { $0 != "DELIVERED" && SQLiteStateStore.finalDeliveryStatuses.contains($0) } ?? false
        case .untracked: return r.status == .sent && !(d.status.map(SQLiteStateStore.finalDeliveryStatuses.contains) ?? false)
        default: return r.status.rawValue == rawValue
        }
    }
}
