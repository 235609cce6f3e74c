import Synchronization

/// A flag set from a signal handler and polled by the job loop: "take no new chunks".
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// Creates an unset flag.
    public init() {}
    /// Asks the run to stop after what is in flight.
    public func request() { value.store(true, ordering: .relaxed) }
    /// True once a stop was asked for.
    public var isRequested: Bool { value.load(ordering: .relaxed) }
}
