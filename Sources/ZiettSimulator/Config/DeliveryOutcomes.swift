/// Which messages fail, drawn from the seeded generator when a message is created.
///
/// Numbers that cannot be parsed always fail with `INVALID_PHONE_NUMBER` and are refunded; these rates
/// apply to the rest. The error codes are invented: the docs name no list.
public struct DeliveryOutcomes: Sendable, Equatable {
    /// Share of messages that end FAILED (never left; refunded).
    public var failedRate: Double = 0
    /// Share of messages that end UNDELIVERED (sent, the carrier gave up; not refunded).
    public var undeliveredRate: Double = 0
    /// The `error_code` of a FAILED message.
    public var failedCode = "PROVIDER_REJECTED"
    /// The `error_code` of an UNDELIVERED message.
    public var undeliveredCode = "CARRIER_UNDELIVERABLE"
    /// Fixed outcomes for given E.164 numbers, whatever the rates.
    public var byNumber: [String: MessageOutcome] = [:]

    /// Every message is delivered.
    public init() {}
}

/// How a message ends.
public enum MessageOutcome: String, Sendable, Equatable, Codable {
    /// PENDING → SENT → DELIVERED.
    case delivered
    /// PENDING → FAILED, refunded.
    case failed
    /// PENDING → SENT → UNDELIVERED.
    case undelivered
    /// The number could not be parsed: FAILED with `INVALID_PHONE_NUMBER`, refunded.
    case invalidNumber
}
