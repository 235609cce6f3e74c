@testable import Checkpoint
import PostgresCheckpoint
import Recipients
import Testing

/// The operations ported after ingest, the cut and the outcomes, driven through both states step by step
/// (`Twin`): the job-row updates and a restarted ingest, expiry, the resend check and the send path's
/// reads, delivery tracking and the reports. After each stage the rows are compared column by column and
/// every ported read (`Twin.expectSameAnswers`, through `expectSameReads`) must answer alike.
extension ParityTests {
    /// Header, phase and fingerprint updates; a restarted ingest (rows, chunks and suppression forgotten,
    /// then a replaced file read again); restarts refused once planned and once a request went out.
    @Test func jobUpdatesAndARestartedIngestAlike() async throws {
        let rows = [row(1), row(2, status: .suppressed), row(3, status: .invalid), row(4, type: .fixedLine), row(5), row(6, status: .duplicate), row(7)]
        try await withTwin(kind: .batch, chunkSize: 3, rows: rows, suppression: [244_923_000_002]) { twin in
            try await twin.setHeader(["phone", "name", "olá"])
            try await twin.setInputFingerprint("fp-2")
            try await twin.setPhase(.ingesting)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.usableRowCount(jobID: twin.sqliteJob) == 5, "pending and suppressed rows with a number")

            // Still ingesting, nothing sent: forgotten, then the replaced file read again.
            try await twin.restartIngest("fp-3")
            #expect(try twin.sqlite.lastRow(jobID: twin.sqliteJob) == 0)
            let replaced = (1...8).map { row($0, type: $0 % 2 == 0 ? .mobile : .fixedLineOrMobile) }
            try await twin.ingest(kind: .batch, chunkSize: 3, groupsTexts: true, rows: replaced, batch: 3, suppression: [])
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.lastRow(jobID: twin.sqliteJob) == 8)

            // Planned: refused by both, nothing changes.
            try await twin.restartIngest("fp-4")
            try await twin.cutAll(recipients: 3)
            try await twin.inFlight(0)
            // Back to ingesting but a request went out: refused by both.
            try await twin.setPhase(.ingesting)
            try await twin.restartIngest("fp-5")
            try await twin.setPhase(.complete)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
        }
    }

    /// A campaign that ends part-way: a pending chunk, an in-flight one (its holder expiring it) and the
    /// rows not cut yet expire; an accepted chunk cannot; window groups and number types read alike
    /// before and after.
    @Test func expiryAndWindowReadsAlike() async throws {
        let groups: [String?] = [nil, "Europe/Lisbon", "Africa/Luanda", nil, "Europe/Lisbon"]
        let types: [PhoneNumberType] = [.mobile, .fixedLine, .fixedLineOrMobile]
        let rows = (1...20).map { row($0, group: groups[$0 % groups.count], type: types[$0 % types.count]) } + [row(21, status: .invalid)]
        try await withTwin(kind: .batch, chunkSize: 2, rows: rows) { twin in
            try await twin.cutOnce(recipients: 8)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.pendingWindowGroups(jobID: twin.sqliteJob).count == 3)
            #expect(try twin.sqlite.numberTypeCounts(jobID: twin.sqliteJob).count == 3)

            let sent = try await twin.inFlight(0)
            try await twin.accepted(0, attempt: sent, campaign: "cmp-0")
            try await twin.inFlight(1)
            #expect(try await twin.expire(1) == false, "an in-flight chunk, by its holder")
            #expect(try await twin.expire(2) == false, "a pending chunk")
            #expect(try await twin.expire(0) == true, "an accepted chunk is not expired")
            #expect(try await twin.expire(1) == true, "nor an expired one")
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            try await twin.expireUncut()
            try await twin.expireUncut()
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.counts(jobID: twin.sqliteJob).recipients(.expired) > 10)
        }
    }

    /// The resend check before the first request; then batches and single messages, an unanswered
    /// request, an ambiguous look-up resolved by a person and resent: the send path's reads answer alike
    /// at every step (next open chunk by lane, chunks by state, look-up windows, ambiguous rows, attempt times).
    @Test func theResendCheckAndTheSendPathReadAlike() async throws {
        let texts = ["A", "B", "A", "C", "A", "B", "D", "B", "E"]
        let rows = texts.enumerated().map { row($0.offset + 1, text: "Olá \($0.element)") }
        try await withTwin(kind: .single, chunkSize: 2, rows: rows) { twin in
            #expect(try twin.sqlite.needsResendCheck(jobID: twin.sqliteJob))
            try await twin.recordResendCheck("none found since 1970-01-01T00:16:40Z")
            try await twin.cutAll()
            try await twin.expectSameReads()
            let lanes = try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]).map { ChunkLane(kind: $0.kind, size: $0.size) }
            #expect(lanes.contains(.batches) && lanes.contains(.messages))

            let first = try await twin.inFlight(0)
            try await twin.accepted(0, attempt: first, campaign: "cmp-0")
            // Chunk 1 is a single message; no answer yet: it counts at its start plus the allowance.
            let unanswered = try await twin.inFlight(1, endpoint: "/messages")
            try await twin.expectSameReads()
            try await twin.inDoubt(1, attempt: unanswered, error: RecordedError(httpStatus: nil, code: "TIMEOUT", message: "no answer"))
            let chunks = try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending])
            let single = try #require(chunks.first { $0.kind == .single })
            let attempt = try await twin.inFlightOutOfOrder(single.seq, endpoint: "/messages")
            try await twin.inDoubt(single.seq, attempt: attempt, error: RecordedError(httpStatus: nil, code: "AMBIGUOUS_MATCH", message: "two matches"))
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try !twin.sqlite.ambiguousRows(jobID: twin.sqliteJob).isEmpty)
            #expect(try !twin.sqlite.needsResendCheck(jobID: twin.sqliteJob))

            let ambiguous = try twin.sqlite.members(jobID: twin.sqliteJob, seq: single.seq).first!.row
            try await twin.resolve(row: ambiguous, as: .absent)
            let resent = try await twin.inFlightOutOfOrder(single.seq, endpoint: "/messages")
            try await twin.accepted(single.seq, attempt: resent, message: "msg-\(single.seq)")
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.lookUpWindowStart(jobID: twin.sqliteJob, seq: single.seq) != nil)
        }
    }

    /// Delivery tracking after batches and single messages were accepted: pages of statuses by campaign
    /// and by message id (a recipient named twice in one page, one unknown number, odd costs), a campaign
    /// that failed, a refused chunk; then the reports.
    @Test func trackingAndReportsAlike() async throws {
        let texts = ["A", "A", "A", "B", "C", "A", "B", "B", "D"]
        let rows = texts.enumerated().map { row($0.offset + 1, text: "Olá \($0.element)") } + [row(10, status: .invalid)]
        try await withTwin(kind: .single, chunkSize: 2, rows: rows) { twin in
            try await twin.cutAll()
            for chunk in try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.pending]) {
                let lane = ChunkLane(kind: chunk.kind, size: chunk.size)
                let attempt = try await twin.inFlight(chunk.seq, endpoint: lane == .batches ? "/campaigns/batch" : "/messages")
                if chunk.seq == 1 {
                    try await twin.rejected(chunk.seq, attempt: attempt, error: Self.refusal)
                } else if lane == .batches {
                    try await twin.accepted(chunk.seq, attempt: attempt, campaign: "cmp-\(chunk.seq)")
                } else {
                    try await twin.accepted(chunk.seq, attempt: attempt, message: "msg-\(chunk.seq)")
                }
            }
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            let targets = try twin.sqlite.trackTargets(jobID: twin.sqliteJob)
            #expect(targets.count >= 2)

            let members = try twin.sqlite.members(jobID: twin.sqliteJob, seq: 0)
            try await twin.recordDelivery(campaign: "cmp-0", [
                DeliveryUpdate(e164: members[0].e164, messageID: "m-a", status: "DELIVERED", errorCode: nil, cost: "0.25"),
                DeliveryUpdate(e164: members[1].e164, messageID: "m-b", status: "PENDING", errorCode: nil, cost: nil),
                DeliveryUpdate(e164: 244_900_000_000, messageID: "m-x", status: "DELIVERED", errorCode: nil, cost: "1"),
            ])
            let singles = try twin.sqlite.chunks(jobID: twin.sqliteJob, in: [.accepted]).filter { $0.campaignID == nil }
            let single = try #require(singles.first)
            let number = try twin.sqlite.members(jobID: twin.sqliteJob, seq: single.seq)[0].e164
            try await twin.recordDelivery(campaign: nil, [
                DeliveryUpdate(e164: number, messageID: "msg-\(single.seq)", status: "SENT", errorCode: nil, cost: "abc"),
                DeliveryUpdate(e164: number, messageID: "msg-\(single.seq)", status: "UNDELIVERED", errorCode: "30003", cost: "1.5 EUR"),
                DeliveryUpdate(e164: number, messageID: "msg-other", status: "DELIVERED", errorCode: nil, cost: "2"),
            ])
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            if let other = targets.first(where: { $0.campaignID != "cmp-0" }) {
                try await twin.recordCampaignOutcome(other.campaignID, status: "FAILED", reason: "CAMPAIGN_FAILED")
                try await twin.recordCampaignOutcome(other.campaignID, status: "CANCELLED", reason: "again: nothing left to change")
            }
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            let delivery = try twin.sqlite.deliveryCounts(jobID: twin.sqliteJob)
            #expect(delivery.count("DELIVERED") == 1 && delivery.count("UNDELIVERED") == 1 && delivery.totalCost == 1.75)
            #expect(try twin.sqlite.lastError(jobID: twin.sqliteJob)?.chunk == 1)
        }
    }
}

extension Twin {
    /// Leases chunk `seq` on the PostgreSQL side, skipping (and releasing) any chunk handed out before it,
    /// and commits the intent in both: for a chunk that is not the next open one.
    func inFlightOutOfOrder(_ seq: Int, endpoint: String) async throws -> Int64 {
        var skipped: [Int] = []
        tick()
        while let leased = try await postgres.leaseNextChunk(jobID: postgresJob, holder: host, leaseSeconds: 3_600, now: now),
              leased.chunk.seq != seq {
            skipped.append(leased.chunk.seq)
        }
        for other in skipped { try await postgres.releaseLease(jobID: postgresJob, seq: other, holder: host) }
        return try await commitIntent(seq, endpoint: endpoint)
    }
}

extension ParityTests {
    /// A changed input appended to a job that has sent: numbers new to the job queued, numbers it already
    /// has (pending, sent, rejected, or earlier in the same new input) stored as duplicates, a suppressed
    /// number as suppressed, invalid rows as they are; the job back to `planned` with the new fingerprint,
    /// and the new rows cut after the others.
    @Test func aChangedInputAppendsAlike() async throws {
        let rows = (1...8).map { row($0) } + [row(9, status: .invalid)]
        try await withTwin(kind: .batch, chunkSize: 3, rows: rows, suppression: [244_923_000_777]) { twin in
            try await twin.cutAll(recipients: 3)
            let first = try await twin.inFlight(0)
            try await twin.accepted(0, attempt: first, campaign: "cmp-0")
            let second = try await twin.inFlight(1)
            try await twin.rejected(1, attempt: second, error: Self.refusal)
            try await twin.setPhase(.complete)
            func new(_ n: Int, number: Int, status: RecipientStatus = .pending, type: PhoneNumberType? = .mobile) -> IngestRow {
                IngestRow(
                    row: n, line: n + 1, phone: "923 \(number)", e164: status == .invalid ? nil : 244_923_000_000 + UInt64(number),
                    status: status, reason: status == .invalid ? "not a number" : nil, content: nil, numberType: type)
            }
            // 1 was sent, 4 rejected, 8 pending; 500 twice in the new input; 777 suppressed.
            try await twin.appendChangedInput("fp-changed", batches: [
                [new(10, number: 1), new(11, number: 4), new(12, number: 500), new(13, number: 8, type: .fixedLine)],
                [new(14, number: 500), new(15, number: 777), new(16, number: 0, status: .invalid), new(17, number: 501, type: nil)],
            ])
            try await twin.expectSameRows()
            try await twin.expectSameReads()
            #expect(try twin.sqlite.counts(jobID: twin.sqliteJob).recipients(.duplicate) == 4)
            try await twin.cutAll(recipients: 3)
            try await twin.expectSameRows()
            try await twin.expectSameReads()
        }
    }
}
