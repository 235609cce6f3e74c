import Checkpoint
import PostgresCheckpoint

extension PostgresStateDatabase {
    /// A job with `chunks` pending batch chunks of 10 recipients; returns its id.
    func makeJob(name: String = "spring", chunks: Int, now: Double = 1_000) async throws -> Int64 {
        let id = try await createJob(name: name, uuid: "0190f0aa-0000-7000-8000-000000000001", settings: "{}", inputFingerprint: "fp", now: now)
        try await addPendingChunks(jobID: id, kind: .batch, sizes: Array(repeating: 10, count: chunks), now: now)
        return id
    }

    /// `markInFlight` with a fixed body and key.
    @discardableResult
    func markInFlight(jobID: Int64, seq: Int, holder: String, at now: Double) async throws -> Int64 {
        try await markInFlight(
            jobID: jobID, seq: seq, holder: holder, name: "zb-\(seq)", body: Array("{\"seq\":\(seq)}".utf8),
            idempotencyKey: "key-\(seq)", endpoint: "/campaigns/batch", at: now)
    }
}
