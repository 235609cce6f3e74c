/// One recipient of a chunk, as needed to build its request.
public struct ChunkMember: Sendable, Equatable {
    /// 1-based data row.
    public var row: Int
    /// E.164 digits.
    public var e164: UInt64
    /// The personalised text, for single messages.
    public var content: String?

    /// Creates a member.
    public init(row: Int, e164: UInt64, content: String?) {
        self.row = row
        self.e164 = e164
        self.content = content
    }

    /// "+" and the digits.
    public var e164String: String { "+\(e164)" }
}
