/// One request's worth of recipients and everything known about its fate.
public struct Chunk: Sendable, Equatable {
    /// The job it belongs to.
    public var jobID: Int64
    /// Its number within the job (0-based; split parts get new numbers after the last).
    public var seq: Int
    /// Batch or single message.
    public var kind: ChunkKind
    /// Where it stands.
    public var state: ChunkState
    /// Recipients in it.
    public var size: Int
    /// The batch name (unique to job and chunk) or nil before the first send.
    public var name: String?
    /// The exact request body, fixed at the first send; every resend reuses these bytes.
    public var body: [UInt8]?
    /// The Idempotency-Key derived from the job and `body`.
    public var idempotencyKey: String?
    /// Requests made for it so far, over all runs.
    public var attempts: Int
    /// When the last attempt began (Unix seconds).
    public var lastAttemptAt: Double?
    /// Not to be sent before this time (Unix seconds).
    public var notBefore: Double?
    /// The campaign it became (batch).
    public var campaignID: String?
    /// The message it became (single).
    public var messageID: String?
    /// HTTP status of the last answer.
    public var httpStatus: Int?
    /// API error code of the last failure.
    public var errorCode: String?
    /// API error message of the last failure.
    public var errorMessage: String?
    /// API `fields` of the last 422, as JSON.
    public var errorFields: String?
    /// API `trace_id` of the last answer.
    public var traceID: String?
    /// True when the last attempt's outcome is unknown (timeout, 5xx, lost reply): resend only after a look-up.
    public var inDoubt: Bool
    /// The send-window group (time zones, space-separated) of every recipient in it; nil without a window.
    public var windowGroup: String?

    /// Creates a chunk value.
    public init(
        jobID: Int64, seq: Int, kind: ChunkKind, state: ChunkState, size: Int, name: String? = nil,
        body: [UInt8]? = nil, idempotencyKey: String? = nil, attempts: Int = 0, lastAttemptAt: Double? = nil,
        notBefore: Double? = nil, campaignID: String? = nil, messageID: String? = nil, httpStatus: Int? = nil,
        errorCode: String? = nil, errorMessage: String? = nil, errorFields: String? = nil, traceID: String? = nil,
        inDoubt: Bool = false, windowGroup: String? = nil
    ) {
        self.windowGroup = windowGroup
        self.jobID = jobID
        self.seq = seq
        self.kind = kind
        self.state = state
        self.size = size
        self.name = name
        self.body = body
        self.idempotencyKey = idempotencyKey
        self.attempts = attempts
        self.lastAttemptAt = lastAttemptAt
        self.notBefore = notBefore
        self.campaignID = campaignID
        self.messageID = messageID
        self.httpStatus = httpStatus
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.errorFields = errorFields
        self.traceID = traceID
        self.inDoubt = inDoubt
    }
}
