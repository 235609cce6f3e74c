/// A reserved request slot in the shared key budget (`PostgresStateDatabase.reserveKeySlot`).
public struct KeySlot: Sendable, Equatable {
    /// Its row, to settle or release it.
    public var id: Int64
    /// When the request may leave (Unix seconds).
    public var at: Double

    /// Creates a value.
    public init(id: Int64, at: Double) {
        self.id = id
        self.at = at
    }

    /// What a reservation attempt came to (as `KeyLedger.Outcome`).
    public enum Outcome: Sendable, Equatable {
        /// A slot at `KeySlot.at`.
        case reserved(KeySlot)
        /// The earliest slot is later than the longest wait: nothing was reserved.
        case tooFar(until: Double)
    }
}
