public import Checkpoint

/// A chunk and who holds it: what `leaseNextChunk` hands out and `status` will show.
public struct LeasedChunk: Sendable, Equatable {
    /// The chunk as stored.
    public var chunk: Chunk
    /// The host that holds the lease (nil: nobody).
    public var holder: String?
    /// When the lease ends (Unix seconds); past it, any host may take the chunk.
    public var expiresAt: Double?
    /// Who held it before this lease was taken, when `leaseNextChunk` took it over from another holder.
    public var previousHolder: String?

    /// Creates a value.
    public init(chunk: Chunk, holder: String?, expiresAt: Double?, previousHolder: String?) {
        self.chunk = chunk
        self.holder = holder
        self.expiresAt = expiresAt
        self.previousHolder = previousHolder
    }

    /// True when the chunk was in flight: a request may have reached the API under a lease that then
    /// expired (its host died or stalled). It must be looked up before any resend, never sent blind; the
    /// same settle rules as a resumed SQLite job's in-doubt chunk apply.
    public var needsLookUp: Bool { chunk.state == .inflight }
}
