@testable import Checkpoint
import Foundation
import SQLite

/// A state file with a known history and fixed times, built through the StateStore APIs, for snapshot
/// tests of `status` and `report`.
///
/// Ten data rows: rows 1–4 sent in chunk 0 (tracked: 2 delivered, 1 failed, 1 pending), rows 5–6
/// rejected by a 422 that split chunk 1, row 7 invalid, row 8 a duplicate; rows 9–10 pending in chunk 2.
enum FixedState {
    static let t0 = 1_772_000_000.0  // 2026-02-25T06:13:20Z
    static let campaign = "0190f0aa-0000-7000-8000-00000000c001"

    static func build(at path: String) throws {
        let store = try SQLiteStateStore(path: path)
        let settings = JobSettings(
            csvPath: "/srv/campaigns/march.csv", sender: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e", message: "Promo de Março",
            country: "AO", phoneColumn: nil, chunkSize: 4)
        let job = try store.createJob(name: "march", settings: settings, inputFingerprint: "fixed")
        try store.setHeader(jobID: job.id, header: ["phone", "name"])
        let numbers: [UInt64] = [244_923_456_789, 244_923_456_780, 244_912_345_678, 244_934_567_890, 244_941_000_001, 244_941_000_002]
        var rows: [IngestRow] = numbers.enumerated().map {
            IngestRow(row: $0.offset + 1, line: $0.offset + 2, phone: "+\($0.element)", e164: $0.element, status: .pending, reason: nil, content: nil)
        }
        rows.append(IngestRow(row: 7, line: 9, phone: "12345", e164: nil, status: .invalid, reason: "TOO_SHORT: too few digits for AO", content: nil))
        rows.append(IngestRow(row: 8, line: 10, phone: "923 456 789", e164: 244_923_456_789, status: .duplicate, reason: "duplicate of row 1 (+244923456789)", content: nil))
        rows.append(IngestRow(row: 9, line: 11, phone: "+244951000009", e164: 244_951_000_009, status: .pending, reason: nil, content: nil))
        rows.append(IngestRow(row: 10, line: 12, phone: "+244951000010", e164: 244_951_000_010, status: .pending, reason: nil, content: nil))
        let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 4)
        try writer.write(rows, offset: 400, line: 12, rowCount: rows.count)
        _ = try writer.complete()
        _ = try store.cutChunks(jobID: job.id)

        let first = try store.markInFlight(
            jobID: job.id, seq: 0, name: "march-0", body: Array("{}".utf8), idempotencyKey: "k0", endpoint: "POST /campaigns/batch", at: t0)
        try store.markAccepted(jobID: job.id, seq: 0, campaignID: campaign, messageID: nil, httpStatus: 202, traceID: nil, attemptID: first)
        let second = try store.markInFlight(
            jobID: job.id, seq: 1, name: "march-1", body: Array("{}".utf8), idempotencyKey: "k1", endpoint: "POST /campaigns/batch", at: t0 + 60)
        // The API names two recipients of chunk 1 in a 422: they are rejected, the rest goes as chunk 2.
        try store.split(
            jobID: job.id, seq: 1,
            rejectedRows: [5: "VALIDATION_ERROR: recipients.0: not a reachable mobile number", 6: "VALIDATION_ERROR: recipients.1: not a reachable mobile number"],
            error: RecordedError(httpStatus: 422, code: "VALIDATION_ERROR", message: "Validation failed.", traceID: "trace-0001"),
            attemptID: second)
        try store.recordDelivery(jobID: job.id, campaignID: campaign, updates: [
            DeliveryUpdate(e164: numbers[0], messageID: "0190f0aa-0000-7000-8000-0000000000a1", status: "DELIVERED", errorCode: nil, cost: "15.000000"),
            DeliveryUpdate(e164: numbers[1], messageID: "0190f0aa-0000-7000-8000-0000000000a2", status: "DELIVERED", errorCode: nil, cost: "15.000000"),
            DeliveryUpdate(e164: numbers[2], messageID: "0190f0aa-0000-7000-8000-0000000000a3", status: "FAILED", errorCode: "INVALID_PHONE_NUMBER", cost: "0.000000"),
            DeliveryUpdate(e164: numbers[3], messageID: "0190f0aa-0000-7000-8000-0000000000a4", status: "PENDING", errorCode: nil, cost: nil),
        ])
        // The stores stamp "now" on outcomes; pin every time so the output is the same on every run.
        try store.database.run("UPDATE job SET created_at = ?, updated_at = ?", [.double(t0 - 300), .double(t0 - 300)])
        try store.database.run("UPDATE recipient SET updated_at = ? WHERE updated_at IS NOT NULL", [.double(t0 + 120)])
        try store.database.run("UPDATE attempt SET finished_at = started_at + 2")
        try store.database.run("UPDATE chunk SET updated_at = ? + seq", [.double(t0)])
    }
}
