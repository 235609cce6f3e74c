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

    /// How `count` recipients who share one text are cut (a job that groups texts): into
    /// ceil(count / size) chunks whose sizes differ by one at most, largest first, so that a text's
    /// recipients never leave a remainder of one to go alone (1,001 at 1,000 are 501 + 500, not
    /// 1,000 + 1). A text that occurs once is one chunk of one: a single message.
    public static func textGroupSizes(count: Int, size: Int) -> [Int] {
        guard count > 0 else { return [] }
        let chunks = chunks(for: count, size: size)
        let base = count / chunks, larger = count % chunks
        return (0..<chunks).map { $0 < larger ? base + 1 : base }
    }

    /// The requests `textGroupSizes(count:size:)` makes: batches (2 recipients or more) and single messages.
    public static func textGroupRequests(count: Int, size: Int) -> RequestCount {
        guard count > 0 else { return RequestCount() }
        let chunks = chunks(for: count, size: size)
        let base = count / chunks, larger = count % chunks
        // Only chunks of one recipient go as single messages: every chunk when the base size is 1 except
        // the larger ones (of 2).
        let singles = base >= 2 ? 0 : chunks - larger
        return RequestCount(batches: chunks - singles, messages: singles)
    }
}

/// Requests by endpoint: what a job's open chunks (and rows not cut yet) will send.
public struct RequestCount: Sendable, Equatable, Codable {
    /// Requests to `POST /campaigns/batch`.
    public var batches: Int
    /// Requests to `POST /messages`.
    public var messages: Int

    /// Creates a count.
    public init(batches: Int = 0, messages: Int = 0) {
        self.batches = batches
        self.messages = messages
    }

    /// Every request.
    public var total: Int { batches + messages }

    /// Adds `other`'s requests.
    public static func + (lhs: RequestCount, rhs: RequestCount) -> RequestCount {
        RequestCount(batches: lhs.batches + rhs.batches, messages: lhs.messages + rhs.messages)
    }
}

/// The chunks that go to one endpoint: a job that groups texts sends batches and single messages side by
/// side, each under its own limit.
public enum ChunkLane: Sendable, CaseIterable {
    /// Chunks of two recipients or more that go to `POST /campaigns/batch`.
    case batches
    /// Chunks that go to `POST /messages`: single messages, and any chunk of one recipient.
    case messages

    /// The lane of a chunk of `kind` with `size` recipients (as `ChunkRequest.endpoint(kind:recipients:)`).
    public init(kind: ChunkKind, size: Int) { self = kind == .single || size == 1 ? .messages : .batches }

    /// The SQL condition on the `chunk` table.
    var condition: String {
        switch self {
        case .batches: "AND kind = 'batch' AND size > 1"
        case .messages: "AND (kind = 'single' OR size = 1)"
        }
    }
}
