#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An external sort in bounded memory of plain fixed-size values, read back in order: the duplicate
/// check's (number, row) pairs (`PairSorter`) and the text-group counter's 64-bit hashes.
///
/// Values collect in a run of at most `runCapacity`; a full run is sorted and written to an unlinked
/// temporary file. Reading merges the spilled runs and the last, in-memory one through a binary heap of
/// the runs' heads, a block of values at a time. Memory: one run, plus a read buffer of 32 KB per spilled
/// run and a block of 4 k merged values while reading.
///
/// Why a heap and blocks: at 10 M rows (20 to 40 runs) the first version, a linear scan of every run's
/// head per value through the class's properties, was a quarter of the whole ingest's CPU, much of it
/// the runtime's exclusivity checks on those properties (`swift_beginAccess`, measured with `perf`). The
/// merge now works on local copies of its state and hands values out of a finished block.
final class ExternalSorter<Element: Comparable & BitwiseCopyable> {
    /// Values per run: the memory ceiling is the value's size times this. May change between `add`s.
    var runCapacity: Int
    // Not checked for exclusive access at run time: the sorter has one owner and these are touched once
    // per value (the checks cost more than the work).
    @exclusivity(unchecked) private var run: [Element] = []
    private var spilled: [SortedRun<Element>] = []
    private var reading = false
    /// The merge's state between blocks: the next unmerged value of the in-memory run, and the heap of
    /// (head, run) with the smallest head first (run -1: the in-memory run).
    private var memoryIndex = 0
    private var heap: [(head: Element, run: Int)] = []
    /// The block being handed out by `next`.
    @exclusivity(unchecked) private var block: [Element] = []
    @exclusivity(unchecked) private var blockIndex = 0

    /// Values merged per block.
    static var blockSize: Int { 4096 }

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
        let file = try temporaryFile()
        let written = run.withUnsafeBufferPointer { fwrite($0.baseAddress, MemoryLayout<Element>.stride, $0.count, file) }
        guard written == run.count, fflush(file) == 0 else {
            let code = errno
            fclose(file)
            throw PairSorterError(errno: code)
        }
        rewind(file)
        spilled.append(SortedRun(file: file, remaining: run.count))
        run.removeAll(keepingCapacity: true)
    }

    /// The next value in order, nil after the last.
    @inline(__always)
    func next() throws(PairSorterError) -> Element? {
        if blockIndex == block.count {
            try merge()
            if block.isEmpty { return nil }
        }
        let value = block[blockIndex]
        blockIndex += 1
        return value
    }

    /// Merges the next block of values out of the runs.
    private func merge() throws(PairSorterError) {
        if !reading {
            reading = true
            run.sort()
            if !run.isEmpty { heap.append((run[0], -1)) }
            for i in spilled.indices { if let head = try spilled[i].head() { heap.append((head, i)) } }
            for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { Self.siftDown(&heap, from: i) }
        }
        // Local copies (moved out, so nothing is copied), written back however the loop ends.
        var heap = self.heap, runs = self.spilled, block = self.block
        self.heap = []
        self.spilled = []
        self.block = []
        var memoryIndex = self.memoryIndex
        let memory = run
        defer {
            self.heap = heap
            self.spilled = runs
            self.block = block
            self.memoryIndex = memoryIndex
            blockIndex = 0
        }
        block.removeAll(keepingCapacity: true)
        block.reserveCapacity(Self.blockSize)
        while block.count < Self.blockSize, let top = heap.first {
            block.append(top.head)
            let following: Element?
            if top.run < 0 {
                memoryIndex += 1
                following = memoryIndex < memory.count ? memory[memoryIndex] : nil
            } else {
                runs[top.run].index += 1
                following = try runs[top.run].head()
            }
            if let following {
                heap[0].head = following
            } else {
                let last = heap.removeLast()
                if heap.isEmpty { break }
                heap[0] = last
            }
            Self.siftDown(&heap, from: 0)
        }
    }

    @inline(__always)
    private static func siftDown(_ heap: inout [(head: Element, run: Int)], from start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= count { return }
            var smallest = left
            if left + 1 < count && heap[left + 1].head < heap[left].head { smallest = left + 1 }
            if !(heap[smallest].head < heap[parent].head) { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
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

/// One spilled run, read back in blocks of 32 KB (at 10 M rows the text counts merge 78 runs: 2.5 MB).
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
        let want = min(remaining, max(256, 32_768 / MemoryLayout<Element>.stride))
        let file = self.file
        buffer = [Element](unsafeUninitializedCapacity: want) { storage, count in
            count = fread(storage.baseAddress, MemoryLayout<Element>.stride, want, file)
        }
        guard buffer.count == want else { throw PairSorterError(errno: ferror(file) != 0 ? errno : EIO) }
        remaining -= want
        index = 0
        return buffer[0]
    }
}

/// A new temporary file, already unlinked (gone when closed, even after a crash), in `$TMPDIR` (else `/tmp`):
/// `tmpfile(3)` ignores TMPDIR in glibc, so an operator could not move these files off a small `/tmp`.
func temporaryFile() throws(PairSorterError) -> UnsafeMutablePointer<FILE> {
    var directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    if directory.isEmpty { directory = "/tmp" }
    var template = Array((directory + "/ziett-batch-sort.XXXXXX").utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard descriptor >= 0 else { throw PairSorterError(errno: errno) }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    guard let file = fdopen(descriptor, "w+b") else {
        let code = errno
        close(descriptor)
        throw PairSorterError(errno: code)
    }
    return file
}

/// A temporary file for sorting could not be written or read back.
public struct PairSorterError: Error, Sendable, CustomStringConvertible {
    /// The C error.
    public var errno: Int32
    public var description: String {
        "cannot use a temporary file for sorting (to find duplicates or count texts; errno \(errno)); check TMPDIR and its free space"
    }
}
