@testable import Checkpoint
import Foundation
import Recipients
import Testing

/// Grouped texts: a personalised job's rows with the same rendered text (and window group) share batches,
/// a text that occurs once goes as a single message; the cut is deterministic and the counts say what it
/// will send before it is made.
@Suite("State store: grouped texts")
struct TextGroupTests {
    func row(_ n: Int, _ text: String, group: String? = nil, status: RecipientStatus = .pending) -> IngestRow {
        IngestRow(row: n, line: n + 1, phone: "+\(244_923_000_000 + n)", e164: 244_923_000_000 + UInt64(n), status: status,
                  reason: status == .pending ? nil : "why", content: text, numberType: .mobile, windowGroup: group)
    }

    /// Texts by row, as a file interleaves them: A B A C A B D A A B (A × 5, B × 3, C and D once).
    var interleaved: [IngestRow] {
        ["A", "B", "A", "C", "A", "B", "D", "A", "A", "B"].enumerated().map { row($0.offset + 1, "text \($0.element)") }
    }

    /// Writes `rows` into a new job that groups texts and cuts them; returns each chunk as (rows, kind).
    func cut(_ rows: [IngestRow], chunkSize: Int, in store: SQLiteStateStore) throws -> [(rows: [Int], kind: ChunkKind)] {
        let job = try store.createJob(name: "j", settings: testSettings(chunkSize: chunkSize), inputFingerprint: "f")
        let writer = try IngestWriter(store: store, jobID: job.id, kind: .single, chunkSize: chunkSize)
        try writer.write(rows, offset: 1, line: rows.count + 1, rowCount: rows.count)
        let planned = try writer.complete()
        let before = try store.counts(jobID: job.id).openRequests
        #expect(planned == before, "the plan counts what the cut will make")
        while try store.cutChunks(jobID: job.id) > 0 {}
        let chunks = try store.chunks(jobID: job.id, in: [.pending])
        // What the counts said before the cut is what was cut.
        let after = try store.counts(jobID: job.id).openRequests
        #expect(after == before)
        return try chunks.map { chunk in
            let members = try store.members(jobID: job.id, seq: chunk.seq)
            #expect(members.count == chunk.size)
            #expect(Set(members.map(\.content)).count == 1, "a chunk holds one text")
            return (members.map(\.row), chunk.kind)
        }
    }

    @Test func rowsWithOneTextShareBatchesAndTextsThatOccurOnceGoAlone() throws {
        try withTemporaryStore { store in
            let chunks = try cut(interleaved, chunkSize: 3, in: store)
            // By first row: A (rows 1 3 5 8 9: 5 at 3 → 3 + 2), B (2 6 10), C (4), D (7).
            #expect(chunks.map(\.rows) == [[1, 3, 5], [8, 9], [2, 6, 10], [4], [7]])
            #expect(chunks.map(\.kind) == [.batch, .batch, .batch, .single, .single])
        }
    }

    @Test func textsThatAllDifferCutOneMessagePerRowInRowOrder() throws {
        try withTemporaryStore { store in
            let rows = (1...6).map { row($0, "text \($0)") }
            let chunks = try cut(rows, chunkSize: 1000, in: store)
            #expect(chunks.map(\.rows) == (1...6).map { [$0] })
            #expect(chunks.allSatisfy { $0.kind == .single })
        }
    }

    @Test func aTextInTwoWindowGroupsMakesTwoGroups() throws {
        try withTemporaryStore { store in
            let rows = [row(1, "hi", group: "Africa/Luanda"), row(2, "hi", group: "Europe/Lisbon"), row(3, "hi", group: "Africa/Luanda"),
                        row(4, "hi", group: "Europe/Lisbon")]
            let chunks = try cut(rows, chunkSize: 10, in: store)
            #expect(chunks.map(\.rows) == [[1, 3], [2, 4]])
        }
    }

    @Test func onlyPendingRowsAreCutAndTheirCountsDecideTheEndpoint() throws {
        try withTemporaryStore { store in
            // Text A once pending and once a duplicate: it occurs once among what will be sent.
            let rows = [row(1, "A"), row(2, "A", status: .duplicate), row(3, "B"), row(4, "B")]
            let chunks = try cut(rows, chunkSize: 10, in: store)
            #expect(chunks.map(\.rows) == [[1], [3, 4]])
            #expect(chunks.map(\.kind) == [.single, .batch])
        }
    }

    @Test func requeuedRowsAreCutAgainByText() throws {
        try withTemporaryStore { store in
            _ = try cut(interleaved, chunkSize: 3, in: store)
            let job = try #require(try store.job(named: "j"))
            // The batch of A's rows 1 3 5 is refused; a person fixes the cause and re-queues it.
            try store.markRejected(jobID: job.id, seq: 0, error: RecordedError(httpStatus: 422, code: "X", message: "m"), attemptID: nil)
            #expect(try store.requeueRejected(jobID: job.id).requeued == 3)
            #expect(try store.counts(jobID: job.id).openRequests == RequestCount(batches: 3, messages: 2))
            #expect(try store.cutChunks(jobID: job.id) == 1)
            let newest = try #require(try store.chunks(jobID: job.id, in: [.pending]).last)
            #expect(try store.members(jobID: job.id, seq: newest.seq).map(\.row) == [1, 3, 5])
            #expect(newest.kind == .batch)
        }
    }

    @Test func aJobBegunBeforeGroupingKeepsOneMessagePerRecipient() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(chunkSize: 5), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .single, chunkSize: 5, groupsTexts: false)
            try writer.write(interleaved, offset: 1, line: 11, rowCount: 10)
            #expect(try writer.complete() == RequestCount(messages: 10))
            // Resumed by a build that groups: the job keeps what it recorded.
            let resumed = try IngestWriter(store: store, jobID: job.id, kind: .single, chunkSize: 5)
            #expect(!resumed.groupsTexts)
            #expect(try store.cutChunks(jobID: job.id) == 10)
        }
    }

    @Test(arguments: [(1, 1000), (2, 1000), (1000, 1000), (1001, 1000), (2001, 1000), (3, 2), (5, 2), (7, 7), (15, 7)])
    func aTextsSizesAddUpDifferByOneAtMostAndMatchItsRequestCount(count: Int, size: Int) {
        let sizes = ChunkKind.textGroupSizes(count: count, size: size)
        #expect(sizes.reduce(0, +) == count)
        #expect(sizes.count == (count + size - 1) / size)
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
        #expect(sizes.allSatisfy { $0 <= size })
        let requests = ChunkKind.textGroupRequests(count: count, size: size)
        #expect(requests == RequestCount(batches: sizes.filter { $0 >= 2 }.count, messages: sizes.filter { $0 == 1 }.count))
    }
}
