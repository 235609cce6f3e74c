public import Checkpoint

/// The chunks, the outcomes, the send path's reads, tracking and reports: each one database operation,
/// the outcomes under this host's lease (`PostgresStateDatabase+Outcomes.swift`).
extension PostgresStateStore {
    // MARK: Chunks

    public func cutChunks(jobID: Int64, recipients: Int, grouped: Bool) throws -> Int {
        try run { database, now in try await database.cutChunks(jobID: jobID, recipients: recipients, grouped: grouped, now: now) }
    }

    public func chunk(jobID: Int64, seq: Int) throws -> Chunk? {
        try run { database, _ in try await database.chunk(jobID: jobID, seq: seq)?.chunk }
    }

    public func chunks(jobID: Int64, in states: [ChunkState]) throws -> [Chunk] {
        try run { database, _ in try await database.chunks(jobID: jobID, in: states) }
    }

    public func nextOpenChunk(jobID: Int64, after seq: Int, lane: ChunkLane?) throws -> Chunk? {
        try run { database, _ in try await database.nextOpenChunk(jobID: jobID, after: seq, lane: lane) }
    }

    public func members(jobID: Int64, seq: Int) throws -> [ChunkMember] {
        try run { database, _ in try await database.members(jobID: jobID, seq: seq) }
    }

    /// Holds the chunk first (`holdChunk` until now), then commits the intent (compare-and-set on the
    /// state and this host's live lease), in one run. The hold matters: an outcome that puts the chunk back
    /// to `pending` clears its lease (after a 429, say), while this host's dispatcher keeps driving the
    /// chunk; the hold takes it again unless another host has meanwhile. Another host's live lease throws
    /// `heldByAnotherHost`, a chunk no longer pending `chunkChangedUnderneath`; nothing changes either way.
    public func markInFlight(
        jobID: Int64, seq: Int, name: String, body: [UInt8], idempotencyKey: String, endpoint: String, at now: Double
    ) throws -> Int64 {
        let holder = self.holder, leaseSeconds = self.leaseSeconds
        return try run { database, _ in
            if try await database.holdChunk(jobID: jobID, seq: seq, holder: holder, until: now, leaseSeconds: leaseSeconds, now: now) == nil {
                // Say why from what is there now.
                guard let found = try await database.chunk(jobID: jobID, seq: seq) else {
                    throw PostgresStateError(.noSuchChunk(jobID: jobID, seq: seq))
                }
                guard found.chunk.state == .pending || found.chunk.state == .inflight else {
                    throw PostgresStateError(.chunkChangedUnderneath(jobID: jobID, seq: seq, found: found.chunk.state.rawValue))
                }
                throw PostgresStateError(.leasedByAnother(jobID: jobID, seq: seq, holder: found.holder ?? "another host"))
            }
            do {
                return try await database.markInFlight(
                    jobID: jobID, seq: seq, holder: holder, name: name, body: body, idempotencyKey: idempotencyKey, endpoint: endpoint, at: now)
            } catch {
                // Not pending any more (another host sent it while this one waited past its lease): give the
                // hold back at once, so the chunk's next holder need not wait out a lease nobody uses.
                _ = try? await database.releaseLease(jobID: jobID, seq: seq, holder: holder)
                throw error
            }
        }
    }

    public func markAccepted(
        jobID: Int64, seq: Int, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?,
        attemptID: Int64?, outcome: String
    ) throws {
        let holder = self.holder
        try run { database, now in
            try await database.markAccepted(
                jobID: jobID, seq: seq, holder: holder, campaignID: campaignID, messageID: messageID, httpStatus: httpStatus,
                traceID: traceID, attemptID: attemptID, outcome: outcome, now: now)
        }
    }

    public func markRejected(jobID: Int64, seq: Int, error: RecordedError, attemptID: Int64?) throws {
        let holder = self.holder
        try run { database, now in
            try await database.markRejected(jobID: jobID, seq: seq, holder: holder, error: error, attemptID: attemptID, now: now)
        }
    }

    public func markNotProcessed(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError?, attemptID: Int64?) throws {
        let holder = self.holder
        try run { database, now in
            try await database.markNotProcessed(
                jobID: jobID, seq: seq, holder: holder, notBefore: notBefore, error: error, attemptID: attemptID, now: now)
        }
    }

    public func markInDoubt(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError, attemptID: Int64?) throws {
        let holder = self.holder
        try run { database, now in
            try await database.markInDoubt(
                jobID: jobID, seq: seq, holder: holder, notBefore: notBefore, error: error, attemptID: attemptID, now: now)
        }
    }

    public func split(jobID: Int64, seq: Int, rejectedRows: [Int: String], error: RecordedError, attemptID: Int64?) throws -> Int? {
        let holder = self.holder
        return try run { database, now in
            try await database.split(
                jobID: jobID, seq: seq, holder: holder, rejectedRows: rejectedRows, error: error, attemptID: attemptID, now: now)
        }
    }

    public func markExpired(jobID: Int64, seq: Int, reason: String) throws {
        let holder = self.holder
        try run { database, now in try await database.markExpired(jobID: jobID, seq: seq, holder: holder, reason: reason, now: now) }
    }

    public func expireUncut(jobID: Int64, reason: String) throws -> Int {
        try run { database, now in try await database.expireUncut(jobID: jobID, reason: reason, now: now) }
    }

    public func requeueRejected(jobID: Int64) throws -> RequeueSummary {
        try run { database, now in try await database.requeueRejected(jobID: jobID, now: now) }
    }

    @discardableResult
    public func resolveInDoubt(jobID: Int64, row: Int, as resolution: InDoubtResolution, force: Bool) throws -> Int {
        let holder = self.holder
        return try run { database, now in
            try await database.resolveInDoubt(jobID: jobID, row: row, as: resolution, force: force, holder: holder, now: now)
        }
    }

    // MARK: The send path's reads

    public func needsResendCheck(jobID: Int64) throws -> Bool {
        try run { database, _ in try await database.needsResendCheck(jobID: jobID) }
    }

    public func recordResendCheck(jobID: Int64, _ outcome: String) throws {
        try run { database, now in try await database.recordResendCheck(jobID: jobID, outcome, now: now) }
    }

    public func resendCheck(jobID: Int64) throws -> String? {
        try run { database, _ in try await database.resendCheck(jobID: jobID) }
    }

    public func firstPendingRecipients(jobID: Int64, limit: Int) throws -> [ChunkMember] {
        try run { database, _ in try await database.firstPendingRecipients(jobID: jobID, limit: limit) }
    }

    public func lookUpWindowStart(jobID: Int64, seq: Int) throws -> Double? {
        try run { database, _ in try await database.lookUpWindowStart(jobID: jobID, seq: seq) }
    }

    public func ambiguousRows(jobID: Int64, limit: Int) throws -> [Int] {
        try run { database, _ in try await database.ambiguousRows(jobID: jobID, limit: limit) }
    }

    public func attemptTimes(endpoint: String, since: Double, unansweredAllowance: Double) throws -> [Double] {
        try run { database, _ in
            try await database.attemptTimes(endpoint: endpoint, since: since, unansweredAllowance: unansweredAllowance)
        }
    }

    public func pendingWindowGroups(jobID: Int64) throws -> [WindowGroupCount] {
        try run { database, _ in try await database.pendingWindowGroups(jobID: jobID) }
    }

    public func numberTypeCounts(jobID: Int64) throws -> [String: Int] {
        try run { database, _ in try await database.numberTypeCounts(jobID: jobID) }
    }

    // MARK: Tracking and reports

    public func trackTargets(jobID: Int64) throws -> [TrackTarget] {
        try run { database, _ in try await database.trackTargets(jobID: jobID) }
    }

    public func openSingleMessages(jobID: Int64, limit: Int) throws -> [String] {
        try run { database, _ in try await database.openSingleMessages(jobID: jobID, limit: limit) }
    }

    public func openRecipients(jobID: Int64, campaignID: String) throws -> Int {
        try run { database, _ in try await database.openRecipients(jobID: jobID, campaignID: campaignID) }
    }

    public func recordCampaignOutcome(jobID: Int64, campaignID: String, status: String, reason: String) throws -> Int {
        try run { database, now in
            try await database.recordCampaignOutcome(jobID: jobID, campaignID: campaignID, status: status, reason: reason, now: now)
        }
    }

    public func earliestOpenSingleAttempt(jobID: Int64) throws -> Double? {
        try run { database, _ in try await database.earliestOpenSingleAttempt(jobID: jobID) }
    }

    public func acceptedRecipients(jobID: Int64, since time: Double) throws -> Int {
        try run { database, _ in try await database.acceptedRecipients(jobID: jobID, since: time) }
    }

    public func recordDelivery(jobID: Int64, campaignID: String?, updates: [DeliveryUpdate]) throws -> Int {
        try run { database, now in try await database.recordDelivery(jobID: jobID, campaignID: campaignID, updates: updates, now: now) }
    }

    public func deliveryCounts(jobID: Int64) throws -> DeliveryCounts {
        try run { database, _ in try await database.deliveryCounts(jobID: jobID) }
    }

    public func counts(jobID: Int64) throws -> JobCounts {
        try run { database, _ in try await database.counts(jobID: jobID) }
    }

    public func lastError(jobID: Int64) throws -> (chunk: Int, error: RecordedError)? {
        let found = try run { database, _ in try await database.lastError(jobID: jobID).map { LastError(chunk: $0.chunk, error: $0.error) } }
        return found.map { ($0.chunk, $0.error) }
    }

    public func throughput(jobID: Int64) throws -> Throughput {
        try run { database, _ in try await database.throughput(jobID: jobID) }
    }

    /// *read*, page by page (see the type's doc on consistency).
    public func forEachRecipient(jobID: Int64, _ body: (RecipientRecord) throws -> Void) throws {
        try forEachRecipientWithDelivery(jobID: jobID) { record, _ in try body(record) }
    }

    /// *read*, page by page (see the type's doc on consistency).
    public func forEachRecipientWithDelivery(jobID: Int64, _ body: (RecipientRecord, RecipientDelivery) throws -> Void) throws {
        try forEachPage(
            { database, after in try await database.recipients(jobID: jobID, after: after, limit: Self.pageRows) },
            key: { Int64($0.record.row) }
        ) { try body($0.record, $0.delivery) }
    }

    /// *read*, page by page (see the type's doc on consistency).
    public func forEachPendingPersonalisedMessage(jobID: Int64, _ body: (_ row: Int, _ content: String) throws -> Void) throws {
        try forEachPage(
            { database, after in try await database.pendingPersonalisedMessages(jobID: jobID, after: after, limit: Self.pageRows) },
            key: { Int64($0.row) }
        ) { try body($0.row, $0.content) }
    }
}

/// `lastError`'s answer as a value that crosses from the executor's thread.
private struct LastError: Sendable {
    var chunk: Int
    var error: RecordedError
}
