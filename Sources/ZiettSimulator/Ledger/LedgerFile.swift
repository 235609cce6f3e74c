public import Foundation

/// The JSON form of a ledger, as `ziett-batch sim --ledger file.json` writes it.
public struct LedgerFile: Codable, Sendable {
    /// Accepted campaigns.
    public var campaigns: [LedgerCampaign]
    /// Accepted messages.
    public var messages: [LedgerMessage]
    /// Every POST received.
    public var requests: [LedgerRequest]
    /// Answers by "METHOD path status".
    public var responses: [String: Int]
    /// How many times each number was accepted.
    public var acceptedCountByNumber: [String: Int]

    /// The file form of a snapshot.
    public init(_ snapshot: LedgerSnapshot) {
        campaigns = snapshot.campaigns
        messages = snapshot.messages
        requests = snapshot.requests
        responses = snapshot.responses
        acceptedCountByNumber = snapshot.acceptedCountByNumber
    }

    /// Pretty, sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
