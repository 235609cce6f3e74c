public import Checkpoint
import Foundation
import ZiettAPI

/// Finds out whether an in-doubt request reached the API, before anything is resent.
///
/// Batches are found by their unique `name` (`GET /campaigns?q=`); single messages by number, exact
/// text and time (`GET /messages?q=&created_at__ge=`). This keeps "each recipient accepted once" even
/// when the API ignores Idempotency-Key or the 24-hour key window has passed: a resend happens only
/// after a look-up proved the request absent. Pages are read through the run's `ListReader`: paced by
/// the read budget and retried there.
public struct Reconciler {
    /// What a look-up proved.
    public enum Finding: Sendable, Equatable {
        /// The API has it: record these ids.
        case found(campaignID: String?, messageID: String?)
        /// The API does not have it: a resend is safe.
        case absent
        /// The look-up could not be completed; nothing is proven.
        case unproven(ListReader.End)
        /// Neither found nor absent: the API has a message to the same number from the same sender in the
        /// window, with another text (ours altered, or someone else's). Nothing is proven; a person decides.
        case ambiguous(RecordedError)
    }

    let reader: ListReader

    /// Creates a reconciler.
    public init(reader: ListReader) { self.reader = reader }

    /// Looks for a batch by its exact name.
    public func findBatch(named name: String) async -> Finding {
        var match: Campaign?
        let end = await reader.read(CampaignListQuery(search: name)) { campaign in
            if campaign.name == name { match = campaign }
            return match == nil
        }
        if let match { return .found(campaignID: match.id, messageID: nil) }
        return end == .finished ? .absent : .unproven(end)
    }

    /// Looks for a single message from `sender` to `e164` with exactly `content`, created at or after
    /// `since` less `clockSkewMargin`.
    ///
    /// Numbers are compared by their digits (`+244 923…` and `244923…` are one number). A message to the
    /// number with another text makes the finding `ambiguous`, not `absent`: the API may have altered ours.
    /// The margin
    /// covers an API clock behind ours: its `created_at` for our message can be earlier than our clock's
    /// `since`, and a window that starts too late would call our own message absent.
    public func findMessage(e164: String, content: String, sender: String, since: Double, clockSkewMargin: Double) async -> Finding {
        var match: Message?
        guard let digits = e164.phoneDigits else {
            // Our own stored body always names a number; without one nothing can be proven absent.
            return .unproven(.failed(RecordedError(httpStatus: nil, code: "NO_NUMBER", message: "no number to look for in \"\(e164)\"")))
        }
        let query = MessageListQuery(
            search: "+\(digits)", createdAtOrAfter: Date(timeIntervalSince1970: since - max(1, clockSkewMargin)), remitterID: sender)
        var otherText: Message?
        let end = await reader.read(query) { message in
            if message.e164?.phoneDigits == digits, message.campaignID == nil {
                if message.content == content { match = message } else if otherText == nil { otherText = message }
            }
            return match == nil
        }
        if let match { return .found(campaignID: nil, messageID: match.id) }
        guard end == .finished else { return .unproven(end) }
        if let other = otherText {
            return .ambiguous(RecordedError(
                httpStatus: nil, code: "AMBIGUOUS_MATCH",
                message: "the API has message \(other.id) to +\(digits) from this sender since the attempt began, with "
                    + "another text; it may be this one altered, or another campaign's. Not resent: check it, then "
                    + "`ziett-batch resolve --row <row> --as sent|absent`"))
        }
        return .absent
    }
}
