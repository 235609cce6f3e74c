@testable import Checkpoint
import Testing

/// What the plan and the status read back from a job, through the store's domain methods.
@Suite("Job queries")
struct JobQueryTests {
    @Test func theJobRecordsHowIngestDecidedToSendAndReadsItBack() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(message: "Hi {{name}}", chunkSize: 50), inputFingerprint: "f")
            #expect(job.chunkKind == nil)
            _ = try IngestWriter(store: store, jobID: job.id, kind: .single, chunkSize: 50)
            let read = try #require(try store.job(named: "j"))
            // Personalised texts are grouped: the chunk size is the batch size for rows that share a text.
            #expect(read.chunkKind == .single && read.chunkSize == 50 && read.sendingKind == .single && read.groupsTexts)
        }
    }

    @Test func aJobStillIngestingSendsAsItsTemplateSays() throws {
        func kind(_ message: String, header: [String]) -> ChunkKind {
            Job(id: 1, name: "j", uuid: "u", settings: testSettings(message: message), phase: .ingesting, inputFingerprint: "f",
                ingestOffset: 0, ingestLine: 0, ingestRows: 0, header: header, createdAt: 0).sendingKind
        }
        #expect(kind("Hi {{name}}", header: ["phone", "name"]) == .single)
        #expect(kind("Hi {{name}}", header: []) == .single)
        #expect(kind("Hi all", header: ["phone"]) == .batch)
        #expect(ChunkKind(personalised: true) == .single && ChunkKind(personalised: false) == .batch)
    }

    @Test func thePlanReadsEveryPendingPersonalisedMessageInRowOrder() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(message: "Hi {{name}}"), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .single, chunkSize: 2)
            try writer.write(
                [pendingRow(1, content: "Hi Ana"), pendingRow(2, content: "Hi Rui", status: .duplicate), pendingRow(3, content: "Olá Zé"),
                 IngestRow(row: 4, line: 5, phone: "bad", e164: nil, status: .invalid, reason: "why", content: nil)],
                offset: 1, line: 5, rowCount: 4)
            _ = try writer.complete()
            var seen: [String] = []
            try store.forEachPendingPersonalisedMessage(jobID: job.id) { row, content in seen.append("\(row) \(content)") }
            #expect(seen == ["1 Hi Ana", "3 Olá Zé"])
        }
    }

    @Test func aChangedInputIsAppendedWithItsFingerprintInOneTransaction() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(), inputFingerprint: "old")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            try writer.write([pendingRow(1), pendingRow(2)], offset: 1, line: 3, rowCount: 2)
            _ = try writer.complete()
            try store.setPhase(jobID: job.id, .complete)
            // A read that fails half-way leaves the job as it was.
            struct ReadFailed: Error {}
            #expect(throws: ReadFailed.self) {
                _ = try store.appendChangedInput(jobID: job.id, inputFingerprint: "new") { last, append in
                    try append([pendingRow(last + 3)])
                    throw ReadFailed()
                }
            }
            #expect(try store.job(named: "j")?.inputFingerprint == "old")
            #expect(try store.lastRow(jobID: job.id) == 2)
            // Row 3 repeats row 1's number: a duplicate; row 4 is new.
            let queued = try store.appendChangedInput(jobID: job.id, inputFingerprint: "new") { last, append in
                var again = pendingRow(1)
                again.row = last + 1
                try append([again, pendingRow(last + 2)])
            }
            #expect(queued == 1)
            let after = try #require(try store.job(named: "j"))
            #expect(after.inputFingerprint == "new" && after.phase == .planned)
            #expect(try store.counts(jobID: job.id).recipients(.duplicate) == 1)
        }
    }

    @Test func ingestCannotStartAgainOnAJobThatHasSent() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            try writer.write([pendingRow(1)], offset: 1, line: 2, rowCount: 1)
            _ = try writer.complete()
            _ = try store.cutChunks(jobID: job.id)
            try store.markInFlight(jobID: job.id, seq: 0, name: "n", body: [1], idempotencyKey: "k", endpoint: "POST /campaigns/batch", at: 1)
            try store.setPhase(jobID: job.id, .ingesting)
            let error = try #require(throws: StateStoreError.self) {
                try store.restartIngest(jobID: job.id, inputFingerprint: "g")
            }
            #expect(error.code == .ingestRestartRefused)
        }
    }
}
