/// `count` requests per `window` seconds, per API key and endpoint.
public struct SimulatedRateLimit: Sendable, Equatable {
    /// Requests per window.
    public var count: Int
    /// Window length in seconds.
    public var window: Double
    /// Creates a limit.
    public init(count: Int, window: Double) {
        self.count = count
        self.window = window
    }
}
