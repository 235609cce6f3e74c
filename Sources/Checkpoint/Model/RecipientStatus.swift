/// Where one data row of the input stands.
///
/// Stored as text so that `sqlite3 state.sqlite "select status, count(*) from recipient group by 1"`
/// reads without a decoder ring.
public enum RecipientStatus: String, Sendable, CaseIterable, Codable {
    /// Valid, not yet accepted by the API.
    case pending
    /// Accepted by the API (a campaign or message id is known or its chunk was proven accepted).
    case sent
    /// Not a usable number or row (bad phone, bad CSV row, empty template cell).
    case invalid
    /// The same E.164 as an earlier row; the earlier row is the one sent.
    case duplicate
    /// On the suppression list.
    case suppressed
    /// The API refused it; see the reason. `retry --rejected` re-queues it.
    case rejected
    /// Not sent before the campaign's end (`--not-after`): never sent.
    case expired
}
