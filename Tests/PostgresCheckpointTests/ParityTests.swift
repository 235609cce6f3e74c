@testable import Checkpoint
import PostgresCheckpoint
import Recipients
import TestSupport
import Testing

/// The same job driven through the SQLite state (`StateStore`, a real file) and the PostgreSQL state, step
/// by step: ingest, the cut, every outcome, the re-queue. After each stage both hold the same `job`,
/// `recipient`, `chunk`, `attempt` and `suppression` rows column by column, and give the same counts,
/// chunk members and job.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason), .temporaryFiles)
struct ParityTests {
    func row(
        _ n: Int, text: String? = nil, group: String? = nil, status: RecipientStatus = .pending, type: PhoneNumberType? = .mobile
    ) -> IngestRow {
        let valid = status != .invalid
        return IngestRow(
            row: n, line: n + 1, phone: "923 \(100_000 + n)", e164: valid ? 244_923_000_000 + UInt64(n) : nil, status: status,
            reason: status == .pending ? nil : "because \(status.rawValue)", content: text, numberType: valid ? type : nil,
            windowGroup: group)
    }

    static let refusal = RecordedError(
        httpStatus: 422, code: "VALIDATION_ERROR", message: "bad batch", fields: #"{"recipients":["x"]}"#, traceID: "trace-422")
    static let timeout = RecordedError(httpStatus: nil, code: "TIMEOUT", message: "no answer in 30 s")
    static let rateLimited = RecordedError(httpStatus: 429, code: "RATE_LIMITED", message: "slow down", traceID: "trace-429")

    func withTwin(
        kind: ChunkKind, chunkSize: Int, rows: [IngestRow], suppression: [UInt64] = [], _ body: (Twin) async throws -> Void
    ) async throws {
        let path = TemporaryFiles.root! + "/state.sqlite"
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { postgres in
                let twin = try await Twin.make(
                    path: path, postgres: postgres, location: location, kind: kind, chunkSize: chunkSize, rows: rows,
                    suppression: suppression)
                try await twin.expectSameRows()
                try await twin.expectSameReads()
                try await body(twin)
            }
        }
    }

    /// Sends every open chunk, in order, and has the API accept it.
    func acceptRemaining(_ twin: Twin) async throws {
        for chunk in try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]) {
            let attempt = try await twin.inFlight(chunk.seq)
            try await twin.accepted(chunk.seq, attempt: attempt, campaign: "cmp-\(chunk.seq)")
        }
    }

    /// A batch job, cut a few rows at a time, each window group in chunks of its own; then every outcome:
    /// accepted, rejected, in doubt then proven absent and resent, split, not processed (429) then resent;
    /// then the rejected rows re-queued and cut again.
    @Test func aBatchJobCutsAndRecordsEveryOutcomeAlike() async throws {
        let rows = [
            row(1), row(2, group: "Europe/Lisbon"), row(3), row(4, type: .fixedLineOrMobile), row(5, status: .invalid), row(6),
            row(7, group: "Europe/Lisbon"), row(8), row(9, status: .duplicate), row(10), row(11, group: "Europe/Lisbon"),
            row(12, status: .suppressed), row(13), row(14), row(15), row(16),
        ]
        try await withTwin(kind: .batch, chunkSize: 3, rows: rows, suppression: [244_923_000_012, 244_923_999_999]) { twin in
            try await twin.cutAll(recipients: 6)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]).count >= 5)

            let first = try await twin.inFlight(0)
            try await twin.accepted(0, attempt: first, campaign: "cmp-0")
            let second = try await twin.inFlight(1)
            try await twin.rejected(1, attempt: second, error: Self.refusal)
            let third = try await twin.inFlight(2)
            try await twin.inDoubt(2, attempt: third, error: Self.timeout)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            // A look-up found nothing: back to pending, the doubt settled; then resent and accepted.
            try await twin.notProcessed(2, attempt: nil, notBefore: nil, error: nil)
            let resent = try await twin.inFlight(2)
            try await twin.accepted(2, attempt: resent, campaign: "cmp-2")
            let fourth = try await twin.inFlight(3)
            let named = try twin.sqlite.members(jobID: twin.sqliteJob, seq: 3).first!.row
            let part = try await twin.split(3, attempt: fourth, rejecting: [named: "the API refused +244…"], error: Self.refusal)
            #expect(part != nil)
            let fifth = try await twin.inFlight(4)
            try await twin.notProcessed(4, attempt: fifth, notBefore: twin.now + 1, error: Self.rateLimited)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            twin.tick()
            try await acceptRemaining(twin)
            try await twin.expectSameRows()
            try await twin.expectSameReads()

            // Chunk 1's rows and the row named by the split.
            let rejected = try twin.sqlite.counts(jobID: twin.sqliteJob).recipients(.rejected)
            let inChunk1 = try twin.sqlite.members(jobID: twin.sqliteJob, seq: 1).count
            #expect(rejected == inChunk1 + 1)
            let requeued = try await twin.requeue()
            #expect(requeued.requeued == rejected && requeued.heldBack == 0)
            try await twin.cutAll(recipients: 6)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            // A 422 naming every recipient of a chunk: split, nothing left to send.
            let last = try #require(try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]).first)
            let everyone = try twin.sqlite.members(jobID: twin.sqliteJob, seq: last.seq).map(\.row)
            let attempt = try await twin.inFlight(last.seq)
            let nothingLeft = try await twin.split(
                last.seq, attempt: attempt, rejecting: Dictionary(uniqueKeysWithValues: everyone.map { ($0, "refused") }), error: Self.refusal)
            #expect(nothingLeft == nil)
            try await acceptRemaining(twin)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
        }
    }

    /// A personalised job that groups texts (chunk size 3): texts repeated 5, 3 and 4 times, two that occur
    /// once, one text in two window groups; then batches and single messages sent, one refused, one in
    /// doubt with an ambiguous look-up resolved by a person each way, the refused rows re-queued and cut
    /// again by text.
    @Test func aGroupedTextsJobCutsTheSameChunksAndRecordsAlike() async throws {
        let texts = ["A", "B", "A", "C", "A", "B", "D", "A", "A", "B", "E", "E", "E", "E", "F", "F"]
        var rows = texts.enumerated().map { row($0.offset + 1, text: "Olá \($0.element)", group: $0.element == "F" && $0.offset % 2 == 0 ? "Europe/Lisbon" : nil) }
        rows.append(row(17, text: "Olá A", status: .duplicate))
        rows.append(row(18, status: .invalid))
        try await withTwin(kind: .single, chunkSize: 3, rows: rows) { twin in
            try await twin.cutAll()
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            let chunks = try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending])
            // A: 5 → 3 + 2; B: 3; C, D once; E: 4 → 2 + 2; F in two groups of 1 each.
            #expect(chunks.map(\.size) == [3, 2, 3, 1, 1, 2, 2, 1, 1])
            #expect(chunks.map(\.kind) == [.batch, .batch, .batch, .single, .single, .batch, .batch, .single, .single])

            let first = try await twin.inFlight(0)
            try await twin.accepted(0, attempt: first, campaign: "cmp-0")
            let second = try await twin.inFlight(1)
            try await twin.rejected(1, attempt: second, error: Self.refusal)
            let third = try await twin.inFlight(2)
            try await twin.accepted(2, attempt: third, campaign: "cmp-2")
            let single = try await twin.inFlight(3, endpoint: "/messages")
            try await twin.inDoubt(3, attempt: single, error: RecordedError(httpStatus: nil, code: "AMBIGUOUS_MATCH", message: "two matches"))
            let another = try await twin.inFlight(4, endpoint: "/messages")
            try await twin.inDoubt(4, attempt: another, error: RecordedError(httpStatus: nil, code: "AMBIGUOUS_MATCH", message: "two matches"))
            try await twin.expectSameRows()
            let row3 = try twin.sqlite.members(jobID: twin.sqliteJob, seq: 3).first!.row
            let row4 = try twin.sqlite.members(jobID: twin.sqliteJob, seq: 4).first!.row
            try await twin.resolve(row: row3, as: .sent)
            try await twin.resolve(row: row4, as: .absent)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            try await acceptRemaining(twin)
            let requeued = try await twin.requeue()
            #expect(requeued.requeued == 2)
            try await twin.cutAll()
            try await twin.expectSameRows()
            try await twin.expectSameReads()
        }
    }

    /// A batch job with a send window, cut all at once (`grouped`): each window group's chunks whole.
    @Test func aBatchJobCutAtOnceByWindowGroupCutsAlike() async throws {
        let groups = ["Africa/Luanda", "Europe/Lisbon", nil, "Africa/Luanda", "Africa/Luanda"]
        let rows = (1...23).map { row($0, group: groups[$0 % groups.count]) }
        try await withTwin(kind: .batch, chunkSize: 4, rows: rows) { twin in
            try await twin.cutAll(grouped: true)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            let sizes = try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]).map(\.size)
            #expect(sizes.filter { $0 < 4 }.count == 3, "one smaller chunk per group: \(sizes)")
        }
    }

    /// A personalised job that does not group texts (one begun before grouping): one message per row,
    /// cut a few at a time.
    @Test func aSingleMessageJobCutsOneChunkPerRowAlike() async throws {
        let rows = (1...9).map { row($0, text: "Olá \($0 % 3)") }
        let path = TemporaryFiles.root! + "/state.sqlite"
        try await TestServer.withDatabase { location in
            try await TestServer.withStore(location) { postgres in
                // Recorded as a job from before grouping: kind single, no text groups, for both.
                let twin = try await Twin.make(
                    path: path, postgres: postgres, location: location, kind: .single, chunkSize: 1_000, rows: rows, groupsTexts: false)
                try await twin.cutAll(recipients: 4)
                try await twin.expectSameRows()
                try await twin.expectSameReads()
                #expect(try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]).map(\.size) == Array(repeating: 1, count: 9))
            }
        }
    }
}
