/// The durable state of one chunk (a batch request or a single message).
///
/// ```
/// pending ──mark in flight (commit)──▶ inflight ──202──▶ accepted
///    ▲                                    │ 422/4xx ──▶ rejected
///    │                                    │ 422 naming recipients ──▶ split (children are new pending chunks)
///    └── definitely not processed ◀───────┤ 401/403/402/429 (not processed)
///        (not_before = retry time)        └ timeout / 5xx / lost reply: stays inflight = in doubt,
///                                           reconciled (looked up) before any resend
/// ```
public enum ChunkState: String, Sendable, CaseIterable, Codable {
    /// Not sent yet, or proven not processed; may carry a `not_before` time (waiting).
    case pending
    /// A request may have left: the API may or may not have it. Resolved only by a look-up or a reply.
    case inflight
    /// The API accepted it (202).
    case accepted
    /// The API refused it with a final error.
    case rejected
    /// Replaced by smaller chunks after a 422 named some recipients.
    case split
    /// Never sent: the campaign ended (`--not-after`) first; its recipients are `expired`.
    case expired
}

/// Which endpoint a chunk goes to.
public enum ChunkKind: String, Sendable, Codable {
    /// `POST /campaigns/batch`: one text, 2–1000 recipients.
    case batch
    /// `POST /messages`: one personalised text to one E.164 number.
    case single

    /// Recipients per chunk: one for a single message, `chunkSize` (at least 1) for a batch.
    public func recipientsPerChunk(configured chunkSize: Int) -> Int { self == .single ? 1 : max(1, chunkSize) }

    /// The chunks `recipients` make at `size` recipients each (the last one may be smaller).
    public static func chunks(for recipients: Int, size: Int) -> Int { (recipients + size - 1) / max(1, size) }
}
