import Foundation

/// A bounded, blocking hand-over of values from one producer thread to one consumer thread.
///
/// Bounded so that a fast reader can never run ahead of the database by more than `capacity` batches:
/// memory stays flat however large the input. Either side can `close` it; a closed channel drops what
/// is sent and, once drained, returns nil.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Waits for room and enqueues `item`; false when the channel was closed (the consumer gave up).
    @discardableResult
    func send(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for the next item; nil once the channel is closed and empty.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// True once either side closed the channel: a producer polls it to stop early.
    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Closes the channel: pending and later `send`s return false, `receive` drains then returns nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Moves a non-Sendable value to exactly one other thread, which owns it from then on.
///
/// The sender must not touch the value after handing it over; `Ingestor` waits for the reading thread
/// to finish before it returns.
struct Handoff<Value>: @unchecked Sendable {
    let value: Value
}
