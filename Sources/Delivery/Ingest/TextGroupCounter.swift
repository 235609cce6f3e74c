import Checkpoint

/// Counts, while a personalised job's rows are read, the requests its grouped texts will make: how many
/// pending rows share each (window group, rendered text), turned into batches and single messages as
/// `StateStore.cutChunks` will cut them (`ChunkKind.textGroupRequests`).
///
/// Why not ask SQLite after ingest: grouping a million stored texts took about 0.9 s, half the time of
/// the whole ingest. Here each text is reduced to a 64-bit hash as it is read (on the reading thread,
/// which waits for the writer anyway), and the hashes go through an external sort of plain 64-bit
/// integers (`ExternalSorter`): runs of `runCapacity` sorted in memory and spilled to unlinked temporary
/// files, merged once at the end. Memory: one run (1 MB by default), plus 32 KB per spilled run while
/// merging (2.5 MB at 10 M rows). (Sorting (hash, row) pairs, as the duplicate check sorts its numbers, cost three times
/// as much here.)
///
/// The hash only counts for the plan; the cut compares the texts themselves. Two different texts share a
/// 64-bit hash with a probability of about n² / 2⁶⁵ (3 in a million at 10 M rows); then the plan counts
/// one request too few.
final class TextGroupCounter {
    private let sorter: ExternalSorter<UInt64>

    /// Creates a counter that sorts `runCapacity` hashes (8 bytes each) in memory before spilling.
    init(runCapacity: Int) { sorter = ExternalSorter(runCapacity: runCapacity) }

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
        try sorter.add(hash)
    }

    /// The requests the counted rows make at `size` recipients per batch: one merge of the sorted runs.
    func requests(size: Int) throws(PairSorterError) -> RequestCount {
        var requests = RequestCount()
        var current: UInt64 = 0, count = 0
        while let hash = try sorter.next() {
            if count > 0 && hash == current {
                count += 1
                continue
            }
            if count > 0 { requests = requests + ChunkKind.textGroupRequests(count: count, size: size) }
            current = hash
            count = 1
        }
        if count > 0 { requests = requests + ChunkKind.textGroupRequests(count: count, size: size) }
        return requests
    }

    // FNV-1a, 64 bits: simple and fast on short texts; the plan needs no more.
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3
}
