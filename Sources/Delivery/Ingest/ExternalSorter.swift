#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An external sort in bounded memory of plain fixed-size values, read back in order: the duplicate
/// check's (number, row) pairs (`PairSorter`) and the text-group counter's 64-bit hashes.
///
/// Values collect in a run of at most `runCapacity`; a full run is sorted and written to an unlinked
/// temporary file. Reading merges the spilled runs and the last, in-memory one. Memory: one run, plus a
/// read buffer of 16 k values per spilled run while reading.
final class ExternalSorter<Element: Comparable & BitwiseCopyable> {
    /// Values per run: the memory ceiling is the value's size times this. May change between `add`s.
    var runCapacity: Int
    private var run: [Element] = []
    private var spilled: [SortedRun<Element>] = []
    private var reading = false
    private var memoryIndex = 0

    init(runCapacity: Int) { self.runCapacity = max(2, runCapacity) }

    deinit { for run in spilled { fclose(run.file) } }

    /// Adds a value (before the first `next`).
    func add(_ value: Element) throws(PairSorterError) {
        precondition(!reading, "add after next")
        if run.count >= runCapacity { try spill() }
        // The whole run at once, never grown by doubling (which holds the old and the new buffer at once):
        // a large reservation is mapped lazily, so pages count only once values fill them.
        if run.capacity < runCapacity { run.reserveCapacity(runCapacity) }
        run.append(value)
    }

    private func spill() throws(PairSorterError) {
        run.sort()
        guard let file = tmpfile() else { throw PairSorterError(errno: errno) }
        let written = run.withUnsafeBufferPointer { fwrite($0.baseAddress, MemoryLayout<Element>.stride, $0.count, file) }
        guard written == run.count, fflush(file) == 0 else {
            fclose(file)
            throw PairSorterError(errno: errno)
        }
        rewind(file)
        spilled.append(SortedRun(file: file, remaining: run.count))
        run.removeAll(keepingCapacity: true)
    }

    /// The next value in order, nil after the last.
    func next() throws(PairSorterError) -> Element? {
        if !reading {
            run.sort()
            reading = true
        }
        // The smallest head among the runs (few runs: a linear scan).
        var best: Element? = memoryIndex < run.count ? run[memoryIndex] : nil
        var source = -1
        for i in spilled.indices {
            if let head = try spilled[i].head(), best == nil || head < best! {
                best = head
                source = i
            }
        }
        if best != nil {
            if source >= 0 { spilled[source].index += 1 } else { memoryIndex += 1 }
        }
        return best
    }
}

/// A (key, value) pair, ordered by key, then value.
struct SortPair: Comparable, BitwiseCopyable {
    var key: UInt64
    var value: UInt64
    static func < (a: SortPair, b: SortPair) -> Bool { a.key != b.key ? a.key < b.key : a.value < b.value }
}

/// The duplicate check's sort of (number, row) pairs.
typealias PairSorter = ExternalSorter<SortPair>

extension ExternalSorter where Element == SortPair {
    /// Adds a pair (before the first `next`).
    func add(_ key: UInt64, _ value: UInt64) throws(PairSorterError) { try add(SortPair(key: key, value: value)) }
}

/// One spilled run, read back in blocks of 16 k values.
private struct SortedRun<Element: BitwiseCopyable> {
    let file: UnsafeMutablePointer<FILE>
    var remaining: Int
    var buffer: [Element] = []
    var index = 0

    init(file: UnsafeMutablePointer<FILE>, remaining: Int) {
        self.file = file
        self.remaining = remaining
    }

    mutating func head() throws(PairSorterError) -> Element? {
        if index < buffer.count { return buffer[index] }
        guard remaining > 0 else { return nil }
        let want = min(remaining, 16_384)
        let file = self.file
        buffer = [Element](unsafeUninitializedCapacity: want) { storage, count in
            count = fread(storage.baseAddress, MemoryLayout<Element>.stride, want, file)
        }
        guard buffer.count == want else { throw PairSorterError(errno: errno) }
        remaining -= want
        index = 0
        return buffer[0]
    }
}

/// A temporary file for sorting could not be written or read back.
public struct PairSorterError: Error, Sendable, CustomStringConvertible {
    /// The C error.
    public var errno: Int32
    public var description: String {
        "cannot use a temporary file for sorting (to find duplicates or count texts; errno \(errno)); check TMPDIR and its free space"
    }
}
