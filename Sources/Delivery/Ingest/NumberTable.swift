/// An open-addressing hash map from an E.164 number to the first data row that had it: 12 bytes a slot
/// (the number, and the row as 32 bits), linear probing, at most three quarters full.
///
/// Hand-written rather than a `Dictionary<UInt64, Int>`: a dictionary needs about three times the memory
/// for the same numbers (17 bytes a slot at a lower load, plus growth by doubling with both tables alive),
/// and memory is what decides how large a file can be checked in one pass (`DuplicateCheck`).
/// Not thread-safe: one owner.
final class NumberTable {
    /// Slots; 0 is "empty" (no E.164 number is 0).
    private let keys: UnsafeMutablePointer<UInt64>
    private let rows: UnsafeMutablePointer<UInt32>
    /// Number of slots.
    let capacity: Int
    /// Numbers stored.
    private(set) var count = 0

    /// Bytes a slot costs.
    static let bytesPerSlot = MemoryLayout<UInt64>.stride + MemoryLayout<UInt32>.stride

    /// Creates an empty table of `capacity` slots (at least 16).
    init(capacity: Int) {
        self.capacity = max(16, capacity)
        keys = .allocate(capacity: self.capacity)
        keys.initialize(repeating: 0, count: self.capacity)
        rows = .allocate(capacity: self.capacity)
        rows.initialize(repeating: 0, count: self.capacity)
    }

    deinit {
        keys.deallocate()
        rows.deallocate()
    }

    /// The numbers the table takes: three quarters of its slots (probe sequences grow fast beyond that).
    var limit: Int { capacity * 3 / 4 }

    /// The first row recorded for `e164`, if any; otherwise records `row` for it and returns nil.
    ///
    /// Precondition: `count < limit`, `row` fits in 32 bits, `e164 != 0`.
    @inline(__always)
    func firstRow(of e164: UInt64, orInsert row: Int) -> Int? {
        var slot = home(e164)
        while true {
            let key = keys[slot]
            if key == e164 { return Int(rows[slot]) }
            if key == 0 {
                keys[slot] = e164
                rows[slot] = UInt32(truncatingIfNeeded: row)
                count += 1
                return nil
            }
            slot += 1
            if slot == capacity { slot = 0 }
        }
    }

    /// Calls `body` with every (number, first row), in slot order.
    func forEach(_ body: (UInt64, Int) throws -> Void) rethrows {
        for slot in 0..<capacity where keys[slot] != 0 { try body(keys[slot], Int(rows[slot])) }
    }

    /// A table of `capacity` slots holding the same numbers.
    func resized(to capacity: Int) -> NumberTable {
        let bigger = NumberTable(capacity: capacity)
        forEach { number, row in _ = bigger.firstRow(of: number, orInsert: row) }
        return bigger
    }

    /// Multiplicative hashing (Fibonacci) mapped onto the slots without a modulo.
    @inline(__always)
    private func home(_ e164: UInt64) -> Int {
        Int((e164 &* 0x9E37_79B9_7F4A_7C15).multipliedFullWidth(by: UInt64(capacity)).high)
    }
}
