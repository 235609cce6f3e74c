/// The behaviours the public docs leave open, each behind a switch; the defaults follow the newer site.
///
/// `docs/simulator.md` lists each one with the doc passages on both sides.
public struct FidelityOptions: Sendable, Equatable {
    /// Campaign states: PROCESSING → SENDING → COMPLETED (new docs) or PENDING → COMPLETED (old docs).
    public var campaignLifecycle = CampaignLifecycle.processingSendingCompleted
    /// The 404 code: `RESOURCE_NOT_FOUND` (conventions table) or `NOT_FOUND` (endpoint examples).
    public var notFoundCode = "RESOURCE_NOT_FOUND"
    /// What an unparseable batch recipient does: becomes a FAILED message, or fails the batch with 422.
    public var invalidRecipient = InvalidRecipientHandling.failedMessage
    /// Remove repeated numbers (after normalisation) from a batch.
    public var removeDuplicateRecipients = false
    /// Whether a short balance stops a batch with 402 before the 202, or fails the campaign later.
    public var batchFundsCheck = FundsCheck.synchronous
    /// A campaign's messages exist only once PROCESSING ends (new docs: workers create them).
    public var messagesAppearAfterProcessing = true
    /// `POST /campaigns/batch` honours Idempotency-Key (the docs' only example is `POST /messages`).
    public var batchHonoursIdempotencyKey = true
    /// Error answers are stored under the Idempotency-Key and replayed (otherwise the key is released).
    public var replayErrorResponses = false
    /// The longest Idempotency-Key accepted (422 above it).
    public var idempotencyKeyMaxLength = 255
    /// The batch `remitter_id` and path ids must be UUID v7 (new docs), not just any UUID.
    public var requireUUIDv7 = true
    /// Message list entries: the slim list shape (new docs) or full message objects (old docs).
    public var listEntriesAreFullMessages = false
    /// `status` filters accept lower case (`status=sent`, as an old example writes them).
    public var caseInsensitiveStatusFilter = false
    /// The status of an unreadable JSON body: 422 (only documented status) or 400.
    public var malformedBodyStatus = 422
    /// Rate-limit windows: sliding (a request counts for `window` seconds) or fixed (reset on boundaries).
    public var rateLimitWindow = RateLimitWindow.sliding
    /// Timestamps: microseconds with `+00:00` (new docs) or milliseconds with `Z` (old docs).
    public var timestampStyle = TimestampStyle.microsecondsOffset
    /// `X-RateLimit-*` headers on 429 answers too (not only on admitted requests).
    public var rateLimitHeadersOn429 = true
    /// Seconds (simulator clock) before a new campaign or message shows in lists and get-by-id; 0: at once.
    ///
    /// Models an eventually consistent read side (replicas, search index): the POST answers 202 with the
    /// id, but `GET /campaigns`, `GET /messages`, `GET /campaigns/{id}/messages`, `GET /campaigns/{id}`
    /// and `GET /messages/{id}` neither list nor find it (404) until `listLag` seconds after it was
    /// created. A campaign's messages are created when PROCESSING ends (see
    /// `messagesAppearAfterProcessing`), so they show `listLag` seconds after that.
    public var listLag: Double = 0
    /// A base URL (`http://host:port`) every request is redirected to with `307 Temporary Redirect`; nil: none.
    ///
    /// Models a moved API or a proxy sending clients elsewhere: each request, whatever its path, key or
    /// method, is answered 307 with `Location: <redirectTo><same path and query>` and nothing is done or
    /// counted against limits. A client that follows it hands its `X-API-KEY` to the other origin.
    public var redirectTo: String?
    /// Text the API appends to every single message it stores and lists (an opt-out line some gateways
    /// add, e.g. " Reply STOP to opt out"); nil: the text is kept as sent. A client that looks its message
    /// up by exact text then finds the number with "another" text.
    public var messageFooter: String?

    /// The newer site's reading.
    public init() {}

    /// Every switch set to the older site's reading, where the two differ.
    public static var oldDocs: FidelityOptions {
        var f = FidelityOptions()
        f.campaignLifecycle = .pendingCompleted
        f.notFoundCode = "NOT_FOUND"
        f.messagesAppearAfterProcessing = false
        f.requireUUIDv7 = false
        f.listEntriesAreFullMessages = true
        f.caseInsensitiveStatusFilter = true
        f.timestampStyle = .millisecondsZ
        return f
    }
}

/// The campaign state sequence.
public enum CampaignLifecycle: String, Sendable, Equatable, CaseIterable {
    /// New docs: PROCESSING while numbers are parsed, SENDING while messages go out, then COMPLETED.
    case processingSendingCompleted = "new"
    /// Old docs: PENDING until every message is queued, then COMPLETED.
    case pendingCompleted = "old"
}

/// What an unparseable batch recipient does.
public enum InvalidRecipientHandling: String, Sendable, Equatable, CaseIterable {
    /// It becomes a FAILED message with `INVALID_PHONE_NUMBER`, refunded.
    case failedMessage = "message"
    /// The whole batch is refused with 422 and a `recipients[i]` field.
    case rejectBatch = "reject"
}

/// When a batch's cost is checked against the balance.
public enum FundsCheck: String, Sendable, Equatable, CaseIterable {
    /// Before the 202: 402 `BILLING_INSUFFICIENT_FUNDS`.
    case synchronous = "sync"
    /// In the background: 202, then the campaign ends FAILED with `BILLING_INSUFFICIENT_FUNDS`.
    case background = "background"
}

/// How rate-limit windows move.
public enum RateLimitWindow: String, Sendable, Equatable, CaseIterable {
    /// Each request counts for `window` seconds after it.
    case sliding
    /// Counts reset at multiples of `window` seconds.
    case fixed
}

/// How timestamps are written.
public enum TimestampStyle: String, Sendable, Equatable, CaseIterable {
    /// `2025-07-14T10:30:00.000000+00:00`.
    case microsecondsOffset = "new"
    /// `2019-08-24T14:15:22.123Z`.
    case millisecondsZ = "old"
}
