#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Checkpoint

/// Counts, while a personalised job's rows are read, the requests its grouped texts will make: how many
/// pending rows share each (window group, rendered text), turned into batches and single messages as
/// `StateStore.cutChunks` will cut them (`ChunkKind.textGroupRequests`).
///
/// Why not ask SQLite after ingest: grouping a million stored texts took about 0.9 s, half the time of
/// the whole ingest. Here each text is reduced to a 64-bit hash as it is read (on the reading thread,
/// which waits for the writer anyway), and the hashes go through an external sort of plain 64-bit
/// integers: runs of `runCapacity` sorted in memory and spilled to unlinked temporary files, merged once
/// at the end. Memory stays at one run at any row count. (The duplicate check's `PairSorter` sorts
/// 16-byte pairs and merges by a linear scan of its runs: it cost three times as much here.)
///
/// The hash only counts for the plan; the cut compares the texts themselves. Two different texts share a
/// 64-bit hash with a probability of about n² / 2⁶⁵ (3 in a million at 10 M rows); then the plan counts
/// one request too few.
final class TextGroupCounter {
    private let runCapacity: Int
    private var run: [UInt64] = []
    private var spilled: [HashRun] = []

    /// Creates a counter that sorts `runCapacity` hashes (8 bytes each) in memory before spilling.
    init(runCapacity: Int) { self.runCapacity = max(2, runCapacity) }

    deinit { for run in spilled { fclose(run.file) } }

    /// Counts one pending row's text in its window group.
    func add(content: String, windowGroup: String?) throws(PairSorterError) {
        var hash = Self.offsetBasis
        if var group = windowGroup {
            group.withUTF8 { for byte in $0 { hash = (hash ^ UInt64(byte)) &* Self.prime } }
        }
        // A separator no UTF-8 text contains, so ("a b", "c") and ("a", "b c") differ.
        hash = (hash ^ 0xFF) &* Self.prime
        var text = content
        text.withUTF8 { for byte in $0 { hash = (hash ^ UInt64(byte)) &* Self.prime } }
        if run.count >= runCapacity { try spill() }
        // The whole run at once, never grown by doubling (mapped lazily: pages count once filled).
        if run.capacity < runCapacity { run.reserveCapacity(runCapacity) }
        run.append(hash)
    }

    private func spill() throws(PairSorterError) {
        run.sort()
        guard let file = tmpfile() else { throw PairSorterError(errno: errno) }
        let written = run.withUnsafeBufferPointer { fwrite($0.baseAddress, 8, $0.count, file) }
        guard written == run.count, fflush(file) == 0 else {
            fclose(file)
            throw PairSorterError(errno: errno)
        }
        rewind(file)
        spilled.append(HashRun(file: file, remaining: run.count))
        run.removeAll(keepingCapacity: true)
    }

    /// The requests the counted rows make at `size` recipients per batch: one merge of the sorted runs.
    func requests(size: Int) throws(PairSorterError) -> RequestCount {
        run.sort()
        var requests = RequestCount()
        var current: UInt64 = 0, count = 0
        func take(_ hash: UInt64) {
            if count > 0 && hash == current {
                count += 1
                return
            }
            if count > 0 { requests = requests + ChunkKind.textGroupRequests(count: count, size: size) }
            current = hash
            count = 1
        }
        if spilled.isEmpty {
            for hash in run { take(hash) }
        } else {
            var memoryIndex = 0
            // The smallest head among the runs; a handful of runs even at 10 M rows: a linear scan.
            while true {
                var best = memoryIndex < run.count ? run[memoryIndex] : UInt64.max
                var source = memoryIndex < run.count ? -1 : -2
                for i in spilled.indices {
                    if let head = try spilled[i].head(), source == -2 || head < best {
                        best = head
                        source = i
                    }
                }
                if source == -2 { break }
                if source == -1 { memoryIndex += 1 } else { spilled[source].index += 1 }
                take(best)
            }
        }
        if count > 0 { requests = requests + ChunkKind.textGroupRequests(count: count, size: size) }
        return requests
    }

    // FNV-1a, 64 bits: simple and fast on short texts; the plan needs no more.
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3
}

/// One spilled run of sorted hashes, read back in blocks of 32 k.
private struct HashRun {
    let file: UnsafeMutablePointer<FILE>
    var remaining: Int
    var buffer: [UInt64] = []
    var index = 0

    init(file: UnsafeMutablePointer<FILE>, remaining: Int) {
        self.file = file
        self.remaining = remaining
    }

    mutating func head() throws(PairSorterError) -> UInt64? {
        if index < buffer.count { return buffer[index] }
        guard remaining > 0 else { return nil }
        let want = min(remaining, 32_768)
        let file = self.file
        buffer = [UInt64](unsafeUninitializedCapacity: want) { storage, count in
            count = fread(storage.baseAddress, 8, want, file)
        }
        guard buffer.count == want else { throw PairSorterError(errno: errno) }
        remaining -= want
        index = 0
        return buffer[0]
    }
}
