import Checkpoint
import Delivery
import Testing
import ZiettAPI

/// `--max-rate` and the two send endpoints: the job's own endpoint takes the rate given, the other is
/// scaled by the same factor (never a batch lane at a message rate), and a batch holds one text.
@Suite("Send limits and grouped batches")
struct SendLimitsTests {
    @Test func withoutMaxRateEachEndpointKeepsItsDocumentedLimit() {
        let limits = SendLimits(main: .sendMessage, maxRate: nil)
        #expect(limits.batches == RateLimit(count: 10, window: 60))
        #expect(limits.messages == RateLimit(count: 120, window: 60))
    }

    @Test func aPersonalisedJobAtHalfTheMessageLimitSendsBatchesAtHalfTheirs() {
        let limits = SendLimits(main: .sendMessage, maxRate: RateLimit(count: 60, window: 60))
        #expect(limits.messages == RateLimit(count: 60, window: 60))
        #expect(limits.batches.count == 5 && abs(limits.batches.window - 60) < 1e-9)
    }

    @Test func aBatchJobsRateScalesItsOddSingleMessagesToo() {
        // 5/s is 30 times the batch limit (1 per 6 s): messages at 30 × 2/s.
        let limits = SendLimits(main: .sendBatch, maxRate: RateLimit(count: 5, window: 1))
        #expect(limits.batches == RateLimit(count: 5, window: 1))
        #expect(limits.messages.count == 60 && abs(limits.messages.window - 1) < 1e-9)
        // A rate below one request per window of the given length keeps one request, over a longer window.
        let slow = SendLimits(main: .sendMessage, maxRate: RateLimit(count: 1, window: 1))
        #expect(slow.batches.count == 1 && abs(slow.batches.window - 12) < 1e-9)
    }

    @Test func aBatchWhoseRecipientsDoNotShareOneTextIsRefusedBeforeItIsBuilt() throws {
        let settings = JobSettings(csvPath: "in.csv", sender: "s", message: "Hi {{name}}", country: "AO", phoneColumn: nil, chunkSize: 10)
        let job = Job(
            id: 1, name: "j", uuid: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e", settings: settings, phase: .planned, inputFingerprint: "f",
            ingestOffset: 0, ingestLine: 0, ingestRows: 0, header: ["phone", "name"], createdAt: 0, chunkKind: .single, chunkSize: 10,
            groupsTexts: true)
        let same = [ChunkMember(row: 1, e164: 244_923_000_001, content: "Hi A"), ChunkMember(row: 2, e164: 244_923_000_002, content: "Hi A")]
        let request = try ChunkRequest.build(job: job, seq: 0, kind: .batch, members: same)
        #expect(request.endpoint == .sendBatch)
        #expect(String(decoding: request.body, as: UTF8.self).contains("\"Hi A\""))
        let mixed = [ChunkMember(row: 1, e164: 244_923_000_001, content: "Hi A"), ChunkMember(row: 2, e164: 244_923_000_002, content: "Hi B")]
        #expect(throws: ChunkRequestError.self) { try ChunkRequest.build(job: job, seq: 0, kind: .batch, members: mixed) }
        // NFC "é" and NFD "é" are equal Strings but different bytes: a batch sends one text, byte for byte.
        let forms = [ChunkMember(row: 1, e164: 244_923_000_001, content: "Olá Zé"), ChunkMember(row: 2, e164: 244_923_000_002, content: "Olá Ze\u{301}")]
        #expect(throws: ChunkRequestError.self) { try ChunkRequest.build(job: job, seq: 0, kind: .batch, members: forms) }
    }
}
