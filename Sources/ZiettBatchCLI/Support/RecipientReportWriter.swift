import Checkpoint
import Foundation

/// The per-recipient report CSV (`ziett-batch report`): its columns and one line per data row of the input.
///
/// Not the end-of-run summary (`RunSummary`). The first ten columns are the CLI contract; the delivery
/// columns were added after them and stay last.
enum RecipientReportWriter {
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
