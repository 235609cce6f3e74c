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
        #expect(limits.batches == RateLimit(count: 5, window: 60))
    }

    @Test func aBatchJobsRateScalesItsOddSingleMessagesToo() {
        // 5/s is 30 times the batch limit (1 per 6 s): messages at 30 × 2/s.
        let limits = SendLimits(main: .sendBatch, maxRate: RateLimit(count: 5, window: 1))
        #expect(limits.batches == RateLimit(count: 5, window: 1))
        #expect(limits.messages == RateLimit(count: 3600, window: 60))
        // Scaled limits print plainly: per minute, or one per whole number of seconds.
        #expect(SendLimits(main: .sendMessage, maxRate: RateLimit(count: 1, window: 1)).batches == RateLimit(count: 5, window: 60))
        #expect(SendLimits(main: .sendMessage, maxRate: RateLimit(count: 1, window: 60)).batches == RateLimit(count: 1, window: 720))
        // 7/min for messages: batches at 7/12 a minute, one every 102.9 s, rounded up to 103 s.
        #expect(SendLimits(main: .sendMessage, maxRate: RateLimit(count: 7, window: 60)).batches == RateLimit(count: 1, window: 103))
    }

    @Test func aOneTextJobCutOneRecipientPerChunkPacesItsMessagesAtTheRateGiven() {
        let settings = JobSettings(csvPath: "in.csv", sender: "s", message: "Hi all", country: "AO", phoneColumn: nil, chunkSize: 1)
        let job = Job(
            id: 1, name: "j", uuid: "u", settings: settings, phase: .planned, inputFingerprint: "f", ingestOffset: 0, ingestLine: 0,
            ingestRows: 0, header: ["phone"], createdAt: 0, chunkKind: .batch, chunkSize: 1)
        #expect(SendLimits(job: job, maxRate: RateLimit(count: 10, window: 60)).messages == RateLimit(count: 10, window: 60))
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
