public import Checkpoint

/// A durable step of a chunk that the state machine asks for: one `StateStore` method, one transaction,
/// committed before the next external action.
public enum ChunkTransition: Sendable, Equatable {
    /// Accepted: the chunk and its recipients are done (`markAccepted`), proven `how`.
    case accepted(campaignID: String?, messageID: String?, httpStatus: Int?, how: AcceptanceProof)
    /// Refused for good (`markRejected`).
    case rejected(RecordedError)
    /// Refused for some recipients, named by their index in the request (`split`): those are rejected,
    /// the rest become a new chunk.
    case split(recipients: [Int: String], RecordedError)
    /// Proven not processed (an answer that says so, or a look-up that found nothing): pending again,
    /// not before `notBefore` (`markNotProcessed`).
    case notProcessed(RecordedError?, notBefore: Double?)
    /// The request's fate is unknown: it stays in flight, looked up not before `notBefore` (`markInDoubt`).
    case inDoubt(RecordedError, notBefore: Double)
    /// Never to be sent: the campaign ended (`--not-after`) before it went (`markExpired`).
    case expired
}

/// What proved a chunk accepted; its raw value is the attempt's recorded outcome.
public enum AcceptanceProof: String, Sendable, Equatable {
    /// The documented 2xx with the id.
    case answered = "accepted"
    /// A look-up found the request at the API.
    case reconciled
    /// No recipient was left in the chunk: nothing to send.
    case empty
}
