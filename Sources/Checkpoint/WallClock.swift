import Foundation

/// Tells the current wall time (Unix seconds): what the state records.
public protocol WallClock: Sendable {
    /// Unix time now, in seconds.
    func now() -> Double
}

/// The system's wall clock.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}

    /// Unix time now, in seconds.
    public func now() -> Double { Date().timeIntervalSince1970 }
}
