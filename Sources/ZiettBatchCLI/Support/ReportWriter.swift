import Checkpoint
import Foundation

/// The per-recipient report CSV: its columns and one line per data row.
///
/// The first ten columns are the CLI contract; the delivery columns were added after them and stay last.
enum ReportWriter {
    static let columns = [
        "row", "line", "phone", "e164", "status", "reason", "campaign_id", "message_id", "trace_id", "updated_at",
        "delivery_status", "delivery_error", "cost",
    ]
    static let header = columns.joined(separator: ",") + "\n"

    /// One CSV line for a recipient.
    static func line(_ r: RecipientRecord, _ d: RecipientDelivery) -> String {
        let updated = r.updatedAt.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: $0)) } ?? ""
        let cells = [
            "\(r.row)", "\(r.line)", r.phone, r.e164 ?? "", r.status.rawValue, r.reason ?? "", r.campaignID ?? "",
            r.messageID ?? "", r.traceID ?? "", updated, d.status ?? "", d.error ?? "", d.cost ?? "",
        ]
        return cells.map(CSVCell.escape).joined(separator: ",") + "\n"
    }
}

/// Which rows `report --only` keeps.
enum ReportFilter: String, CaseIterable {
    case sent, pending, invalid, duplicate, suppressed, rejected
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
        case .undelivered: return d.status.map { $0 != "DELIVERED" && StateStore.finalDeliveryStatuses.contains($0) } ?? false
        case .untracked: return r.status == .sent && !(d.status.map(StateStore.finalDeliveryStatuses.contains) ?? false)
        default: return r.status.rawValue == rawValue
        }
    }
}
