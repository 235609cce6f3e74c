@testable import Checkpoint
import PostgresCheckpoint
import Testing

/// The steps and reads ported after ingest, the cut and the outcomes, applied to both states of a `Twin`.
extension Twin {
    // MARK: Steps

    func setHeader(_ header: [String]) async throws {
        tick()
        try sqlite.setHeader(jobID: sqliteJob, header: header)
        try await postgres.setHeader(jobID: postgresJob, header: header, now: now)
    }

    func setPhase(_ phase: JobPhase) async throws {
        tick()
        try sqlite.setPhase(jobID: sqliteJob, phase)
        try await postgres.setPhase(jobID: postgresJob, phase, now: now)
    }

    func setInputFingerprint(_ fingerprint: String) async throws {
        tick()
        try sqlite.setInputFingerprint(jobID: sqliteJob, fingerprint)
        try await postgres.setInputFingerprint(jobID: postgresJob, fingerprint)
    }

    /// Restarts the ingest in both; expects both to refuse or both to do it.
    func restartIngest(_ fingerprint: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        tick()
        let sqliteRefused = refusal { try self.sqlite.restartIngest(jobID: self.sqliteJob, inputFingerprint: fingerprint) }
        var postgresRefused: Bool
        do {
            try await postgres.restartIngest(jobID: postgresJob, inputFingerprint: fingerprint, now: now)
            postgresRefused = false
        } catch let error as PostgresStateError where error.reason == .ingestRestartRefused(jobID: postgresJob) {
            postgresRefused = true
        }
        #expect(sqliteRefused == postgresRefused, "restart refused", sourceLocation: sourceLocation)
    }

    /// Expires chunk `seq` in both; expects both to refuse (the chunk moved on) or both to do it. Returns
    /// whether it was refused.
    @discardableResult
    func expire(_ seq: Int, reason: String = "the campaign ended", sourceLocation: SourceLocation = #_sourceLocation) async throws -> Bool {
        tick()
        let sqliteRefused = refusal { try self.sqlite.markExpired(jobID: self.sqliteJob, seq: seq, reason: reason) }
        var postgresRefused: Bool
        do {
            try await postgres.markExpired(jobID: postgresJob, seq: seq, holder: host, reason: reason, now: now)
            postgresRefused = false
        } catch let error as PostgresStateError {
            guard case .chunkChangedUnderneath = error.reason else { throw error }
            postgresRefused = true
        }
        #expect(sqliteRefused == postgresRefused, "expiry of chunk \(seq) refused", sourceLocation: sourceLocation)
        return sqliteRefused
    }

    func expireUncut(reason: String = "the campaign ended", sourceLocation: SourceLocation = #_sourceLocation) async throws {
        tick()
        let fromSQLite = try sqlite.expireUncut(jobID: sqliteJob, reason: reason)
        let fromPostgres = try await postgres.expireUncut(jobID: postgresJob, reason: reason, now: now)
        #expect(fromSQLite == fromPostgres, "rows expired", sourceLocation: sourceLocation)
    }

    func recordResendCheck(_ outcome: String) async throws {
        tick()
        try sqlite.recordResendCheck(jobID: sqliteJob, outcome)
        try await postgres.recordResendCheck(jobID: postgresJob, outcome, now: now)
    }

    func recordDelivery(campaign: String?, _ updates: [DeliveryUpdate], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        tick()
        let fromSQLite = try sqlite.recordDelivery(jobID: sqliteJob, campaignID: campaign, updates: updates)
        let fromPostgres = try await postgres.recordDelivery(jobID: postgresJob, campaignID: campaign, updates: updates, now: now)
        #expect(fromSQLite == fromPostgres, "delivery updates matched", sourceLocation: sourceLocation)
    }

    func recordCampaignOutcome(_ campaign: String, status: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        tick()
        let fromSQLite = try sqlite.recordCampaignOutcome(jobID: sqliteJob, campaignID: campaign, status: status, reason: reason)
        let fromPostgres = try await postgres.recordCampaignOutcome(
            jobID: postgresJob, campaignID: campaign, status: status, reason: reason, now: now)
        #expect(fromSQLite == fromPostgres, "recipients given the campaign's outcome", sourceLocation: sourceLocation)
    }

    /// Whether `body` threw `StateStoreError` (a refusal); any other error is rethrown by the caller's test.
    private func refusal(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch is StateStoreError {
            return true
        } catch {
            Issue.record("unexpected error from the SQLite state: \(error)")
            return true
        }
    }

    // MARK: Reads

    /// Every read ported after the outcomes, from both, for every chunk, lane, state and endpoint the job
    /// has: the same answers. Called by `expectSameReads`, so after every stage of every parity test.
    func expectSameAnswers(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        func same<T: Equatable>(_ a: T, _ b: T, _ what: String) {
            #expect(a == b, "\(what)", sourceLocation: sourceLocation)
        }
        let (s, p, sj, pj) = (sqlite, postgres, sqliteJob, postgresJob)
        same(try s.jobs(), try await p.jobs(), "jobs")
        // A resumed ingest's reads; a page of 3 rows, so the walk crosses pages.
        same(try s.usableRowCount(jobID: sj), try await p.usableRowCount(jobID: pj), "usableRowCount")
        var usableSQLite: [[UInt64]] = []
        try s.forEachUsableRow(jobID: sj) { usableSQLite.append([$0, UInt64($1)]) }
        var usablePostgres: [[UInt64]] = []
        try await p.forEachUsableRow(jobID: pj, pageRows: 3) { usablePostgres.append([$0, UInt64($1)]) }
        same(usableSQLite, usablePostgres, "forEachUsableRow")
        same(try s.lastRow(jobID: sj), try await p.lastRow(jobID: pj), "lastRow")
        // Windows.
        same(try s.pendingWindowGroups(jobID: sj), try await p.pendingWindowGroups(jobID: pj), "pendingWindowGroups")
        same(try s.numberTypeCounts(jobID: sj), try await p.numberTypeCounts(jobID: pj), "numberTypeCounts")
        // The send path's reads.
        let all = try s.chunks(jobID: sj, in: ChunkState.allCases)
        same(all, try await p.chunks(jobID: pj, in: ChunkState.allCases), "chunks in every state")
        for state in ChunkState.allCases {
            same(try s.chunks(jobID: sj, in: [state]), try await p.chunks(jobID: pj, in: [state]), "chunks \(state)")
        }
        same(try s.chunks(jobID: sj, in: [.pending, .inflight]), try await p.chunks(jobID: pj, in: [.pending, .inflight]), "open chunks")
        for after in [-1] + all.map(\.seq) {
            for lane in [nil] + ChunkLane.allCases.map(Optional.some) {
                same(
                    try s.nextOpenChunk(jobID: sj, after: after, lane: lane), try await p.nextOpenChunk(jobID: pj, after: after, lane: lane),
                    "nextOpenChunk after \(after), lane \(String(describing: lane))")
            }
            same(try s.lookUpWindowStart(jobID: sj, seq: after), try await p.lookUpWindowStart(jobID: pj, seq: after), "lookUpWindowStart \(after)")
        }
        same(try s.needsResendCheck(jobID: sj), try await p.needsResendCheck(jobID: pj), "needsResendCheck")
        same(try s.resendCheck(jobID: sj), try await p.resendCheck(jobID: pj), "resendCheck")
        for limit in [1, 3, 100] {
            same(try s.firstPendingRecipients(jobID: sj, limit: limit), try await p.firstPendingRecipients(jobID: pj, limit: limit), "firstPendingRecipients \(limit)")
            same(try s.ambiguousRows(jobID: sj, limit: limit), try await p.ambiguousRows(jobID: pj, limit: limit), "ambiguousRows \(limit)")
            same(try s.openSingleMessages(jobID: sj, limit: limit), try await p.openSingleMessages(jobID: pj, limit: limit), "openSingleMessages \(limit)")
        }
        for endpoint in ["/campaigns/batch", "/messages", "resolve"] {
            for since in [0, now - 20, now - 5, now + 10] {
                for allowance in [2.0, 30.0] {
                    same(
                        try s.attemptTimes(endpoint: endpoint, since: since, unansweredAllowance: allowance),
                        try await p.attemptTimes(endpoint: endpoint, since: since, unansweredAllowance: allowance),
                        "attemptTimes \(endpoint) since \(since) allowing \(allowance)")
                }
            }
        }
        // Tracking.
        let targets = try s.trackTargets(jobID: sj)
        same(targets, try await p.trackTargets(jobID: pj), "trackTargets")
        for campaign in Set(all.compactMap(\.campaignID)).sorted() + ["cmp-none"] {
            same(try s.openRecipients(jobID: sj, campaignID: campaign), try await p.openRecipients(jobID: pj, campaignID: campaign), "openRecipients \(campaign)")
        }
        same(try s.earliestOpenSingleAttempt(jobID: sj), try await p.earliestOpenSingleAttempt(jobID: pj), "earliestOpenSingleAttempt")
        for since in [0, now - 30, now - 10, now - 3, now] {
            same(try s.acceptedRecipients(jobID: sj, since: since), try await p.acceptedRecipients(jobID: pj, since: since), "acceptedRecipients since \(since)")
        }
        var textsSQLite: [String] = []
        try s.forEachPendingPersonalisedMessage(jobID: sj) { textsSQLite.append("\($0) \($1)") }
        var textsPostgres: [String] = []
        try await p.forEachPendingPersonalisedMessage(jobID: pj, pageRows: 2) { textsPostgres.append("\($0) \($1)") }
        same(textsSQLite, textsPostgres, "forEachPendingPersonalisedMessage")
        same(try s.deliveryCounts(jobID: sj), try await p.deliveryCounts(jobID: pj), "deliveryCounts")
        // Reports.
        let lastSQLite = try s.lastError(jobID: sj)
        let lastPostgres = try await p.lastError(jobID: pj)
        same(lastSQLite?.chunk, lastPostgres?.chunk, "lastError's chunk")
        same(lastSQLite?.error, lastPostgres?.error, "lastError")
        same(try s.throughput(jobID: sj), try await p.throughput(jobID: pj), "throughput")
        var recordsSQLite: [RecipientRecord] = []
        try s.forEachRecipient(jobID: sj) { recordsSQLite.append($0) }
        var recordsPostgres: [RecipientRecord] = []
        try await p.forEachRecipient(jobID: pj, pageRows: 2) { recordsPostgres.append($0) }
        same(recordsSQLite, recordsPostgres, "forEachRecipient")
        var deliveriesSQLite: [String] = []
        try s.forEachRecipientWithDelivery(jobID: sj) { deliveriesSQLite.append("\($0) \($1)") }
        var deliveriesPostgres: [String] = []
        try await p.forEachRecipientWithDelivery(jobID: pj, pageRows: 4) { deliveriesPostgres.append("\($0) \($1)") }
        same(deliveriesSQLite, deliveriesPostgres, "forEachRecipientWithDelivery")
    }
}

extension Twin {
    /// One call of `cutChunks` in both (not until nothing is left): leaves rows uncut when there are more
    /// than `recipients`.
    func cutOnce(recipients: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        tick()
        let cutSQLite = try sqlite.cutChunks(jobID: sqliteJob, recipients: recipients)
        let cutPostgres = try await postgres.cutChunks(jobID: postgresJob, recipients: recipients, grouped: false, now: now)
        #expect(cutSQLite == cutPostgres, "chunks cut", sourceLocation: sourceLocation)
    }
}

extension Twin {
    /// Appends a changed input's rows in both, numbered after the last stored row, in `batches` store calls;
    /// expects the same number queued.
    func appendChangedInput(
        _ fingerprint: String, batches: [[IngestRow]], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        tick()
        var lastSeenBySQLite = -1
        let fromSQLite = try sqlite.appendChangedInput(jobID: sqliteJob, inputFingerprint: fingerprint) { last, store in
            lastSeenBySQLite = last
            for batch in batches { try store(batch) }
        }
        var lastSeenByPostgres = -2
        let fromPostgres = try await postgres.appendChangedInput(jobID: postgresJob, inputFingerprint: fingerprint, now: now) { last, store in
            lastSeenByPostgres = last
            for batch in batches { try await store(batch) }
        }
        #expect(lastSeenBySQLite == lastSeenByPostgres, "the last row handed to read", sourceLocation: sourceLocation)
        #expect(fromSQLite == fromPostgres, "rows queued", sourceLocation: sourceLocation)
    }
}
