/// The durable state of jobs: the only way into it (docs/state.md, "Backend seam").
///
/// Two conformers: `SQLiteStateStore` (a file on this host, the default) and, in `PostgresCheckpoint`,
/// the PostgreSQL state that several hosts share. Every method is one transaction unless its doc says
/// *read*; a failing store throws `any StateFileFailure` (exit 74), a state that breaks a rule throws
/// `StateStoreError`, whichever backend.
///
/// Why synchronous: the SQLite store is, and its callers are the ingest's threads and the dispatcher,
/// which commit each step before the next external action anyway (one state operation at a time). The
/// PostgreSQL store runs each operation to its end on a thread of its own and waits for it
/// (`PostgresCheckpoint`'s `BlockingExecutor`), so a caller on Swift's cooperative pool never needs a
/// second pool thread to make progress.
///
/// The last group of methods is what several hosts sharing one job need (leases, the ingest lock, the
/// key's budget in the state); the SQLite store answers them as the one writer of its file (the file
/// lock already keeps a second process out).
public protocol StateStore: AnyObject {
    /// Where the state is, for messages: a file path, or a URL without its password.
    var location: String { get }
    /// Ends the store's use: a shared state closes its connection (the server then frees this host's
    /// locks); the SQLite store closes its file when it is released.
    func close()

    // MARK: Jobs

    /// Every job, oldest first. *read*
    func jobs() throws -> [Job]
    /// The job named `name`, nil when none. *read*
    func job(named name: String) throws -> Job?
    /// Inserts a job in `ingesting`. A job of that name created meanwhile by another host is returned
    /// instead (several hosts start one job together).
    func createJob(name: String, settings: JobSettings, inputFingerprint: String) throws -> Job
    func setHeader(jobID: Int64, header: [String]) throws
    func setPhase(jobID: Int64, _ phase: JobPhase) throws
    func setInputFingerprint(jobID: Int64, _ fingerprint: String) throws

    // MARK: Ingest

    /// Replaces the job's suppression list.
    func storeSuppression(jobID: Int64, numbers: some Sequence<UInt64>) throws
    /// Begins (or resumes) storing a job's rows: records how its pending rows will be cut.
    func ingestWriter(jobID: Int64, kind: ChunkKind, chunkSize: Int, groupsTexts: Bool) throws -> any IngestSink
    /// *read*: rows with a usable number (a resumed ingest's duplicate check).
    func usableRowCount(jobID: Int64) throws -> Int
    /// *read*
    func forEachUsableRow(jobID: Int64, _ body: (_ e164: UInt64, _ row: Int) throws -> Void) throws
    /// *read*: the last data row stored, 0 when none.
    func lastRow(jobID: Int64) throws -> Int
    /// Forgets a still-ingesting job's rows, chunks and suppression (refused once planned or sent).
    func restartIngest(jobID: Int64, inputFingerprint: String) throws
    /// The changed file's rows, the new fingerprint and the move to `planned`, together.
    func appendChangedInput(
        jobID: Int64, inputFingerprint: String,
        read: (_ lastRow: Int, _ store: (_ rows: [IngestRow]) throws -> Void) throws -> Void
    ) throws -> Int

    // MARK: Chunks

    func cutChunks(jobID: Int64, recipients: Int, grouped: Bool) throws -> Int
    /// *read*
    func chunk(jobID: Int64, seq: Int) throws -> Chunk?
    /// *read*
    func chunks(jobID: Int64, in states: [ChunkState]) throws -> [Chunk]
    /// *read*: the next open chunk after `seq` (a status read; a sender takes chunks with `takeNextChunk`).
    func nextOpenChunk(jobID: Int64, after seq: Int, lane: ChunkLane?) throws -> Chunk?
    /// *read*
    func members(jobID: Int64, seq: Int) throws -> [ChunkMember]
    /// The intent, before the request leaves; returns the attempt's id.
    func markInFlight(
        jobID: Int64, seq: Int, name: String, body: [UInt8], idempotencyKey: String, endpoint: String, at now: Double
    ) throws -> Int64
    func markAccepted(
        jobID: Int64, seq: Int, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?,
        attemptID: Int64?, outcome: String
    ) throws
    func markRejected(jobID: Int64, seq: Int, error: RecordedError, attemptID: Int64?) throws
    func markNotProcessed(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError?, attemptID: Int64?) throws
    func markInDoubt(jobID: Int64, seq: Int, notBefore: Double?, error: RecordedError, attemptID: Int64?) throws
    func split(jobID: Int64, seq: Int, rejectedRows: [Int: String], error: RecordedError, attemptID: Int64?) throws -> Int?
    func markExpired(jobID: Int64, seq: Int, reason: String) throws
    func expireUncut(jobID: Int64, reason: String) throws -> Int
    func requeueRejected(jobID: Int64) throws -> RequeueSummary
    @discardableResult
    func resolveInDoubt(jobID: Int64, row: Int, as resolution: InDoubtResolution, force: Bool) throws -> Int

    // MARK: The send path's reads

    func needsResendCheck(jobID: Int64) throws -> Bool
    func recordResendCheck(jobID: Int64, _ outcome: String) throws
    func resendCheck(jobID: Int64) throws -> String?
    func firstPendingRecipients(jobID: Int64, limit: Int) throws -> [ChunkMember]
    func lookUpWindowStart(jobID: Int64, seq: Int) throws -> Double?
    func ambiguousRows(jobID: Int64, limit: Int) throws -> [Int]
    /// *read*: every job's attempts to `endpoint` since `since` (seeds the pacer).
    func attemptTimes(endpoint: String, since: Double, unansweredAllowance: Double) throws -> [Double]
    func pendingWindowGroups(jobID: Int64) throws -> [WindowGroupCount]
    func numberTypeCounts(jobID: Int64) throws -> [String: Int]

    // MARK: Tracking and reports

    func trackTargets(jobID: Int64) throws -> [TrackTarget]
    func openSingleMessages(jobID: Int64, limit: Int) throws -> [String]
    func openRecipients(jobID: Int64, campaignID: String) throws -> Int
    func recordCampaignOutcome(jobID: Int64, campaignID: String, status: String, reason: String) throws -> Int
    func earliestOpenSingleAttempt(jobID: Int64) throws -> Double?
    func acceptedRecipients(jobID: Int64, since time: Double) throws -> Int
    func recordDelivery(jobID: Int64, campaignID: String?, updates: [DeliveryUpdate]) throws -> Int
    func deliveryCounts(jobID: Int64) throws -> DeliveryCounts
    func counts(jobID: Int64) throws -> JobCounts
    func lastError(jobID: Int64) throws -> (chunk: Int, error: RecordedError)?
    func throughput(jobID: Int64) throws -> Throughput
    func forEachRecipient(jobID: Int64, _ body: (RecipientRecord) throws -> Void) throws
    func forEachRecipientWithDelivery(jobID: Int64, _ body: (RecipientRecord, RecipientDelivery) throws -> Void) throws
    func forEachPendingPersonalisedMessage(jobID: Int64, _ body: (_ row: Int, _ content: String) throws -> Void) throws

    // MARK: Several hosts, one job

    /// True for a state several hosts share: other processes may change any job's chunks at any moment
    /// (under the lease rules), so a chunk found changed is another host's doing, not a broken lock.
    var isShared: Bool { get }
    /// Takes the job's per-host run lock: one sending run of a job per host (a state file's own lock
    /// does this for SQLite: true). False while another run of the job on this host holds it.
    func tryHostRunLock(jobName: String) throws -> Bool
    /// Takes the next chunk after `seq` (in `lane`) that needs work, for this host: the SQLite store's
    /// next open chunk; a shared state's next chunk not leased by another host, now leased to this one.
    /// An `inflight` chunk that comes back is in doubt: look it up before any resend.
    func takeNextChunk(jobID: Int64, after seq: Int, lane: ChunkLane?) throws -> Chunk?
    /// Keeps (or takes again, if no other host has taken it) a chunk this host set aside, until at least
    /// `until`; nil when another host now works on it (or it is gone). The chunk as stored.
    func holdChunk(jobID: Int64, seq: Int, until: Double) throws -> Chunk?
    /// Gives a chunk this host took back to the other hosts: the other lane's chunk it did not take, or one
    /// that waits for its send window. With `notBefore` (the window's opening), a pending chunk is not taken
    /// by any host before then: otherwise every host would take it up and set it aside again each time it
    /// looks behind its cursors, three round trips a chunk, for every chunk outside its window. Nothing for
    /// a state with one writer, whose run keeps its own list of what it set aside.
    func releaseChunk(jobID: Int64, seq: Int, notBefore: Double?) throws
    /// When an open chunk held by another host may next be taken by this one (the earliest end of their
    /// leases; now for an open chunk nobody holds); nil when no open chunk is held elsewhere.
    func openElsewhereUntil(jobID: Int64) throws -> Double?
    /// Who holds which chunk (for `status`); empty for a state with one writer.
    func leases(jobID: Int64) throws -> [ChunkLease]
    /// Takes the job's ingest lock (one host reads the CSV); false while another host holds it.
    func tryIngestLock(jobName: String) throws -> Bool
    func releaseIngestLock(jobName: String) throws
    /// The key's shared budget kept in the state itself (a state several hosts share); nil when the state
    /// keeps none (the SQLite store: the key's ledger file beside it serves this host's jobs).
    func keyLedger(apiKey: String) throws -> (any KeySlotLedger)?
}

extension StateStore {
    public func nextOpenChunk(jobID: Int64, after seq: Int = -1) throws -> Chunk? {
        try nextOpenChunk(jobID: jobID, after: seq, lane: nil)
    }

    public func cutChunks(jobID: Int64, grouped: Bool = false) throws -> Int {
        try cutChunks(jobID: jobID, recipients: 10_000, grouped: grouped)
    }

    public func ambiguousRows(jobID: Int64) throws -> [Int] {
        try ambiguousRows(jobID: jobID, limit: 20)
    }

    public func attemptTimes(endpoint: String, since: Double) throws -> [Double] {
        try attemptTimes(endpoint: endpoint, since: since, unansweredAllowance: 2)
    }

    public func markAccepted(
        jobID: Int64, seq: Int, campaignID: String?, messageID: String?, httpStatus: Int?, traceID: String?, attemptID: Int64?
    ) throws {
        try markAccepted(
            jobID: jobID, seq: seq, campaignID: campaignID, messageID: messageID, httpStatus: httpStatus, traceID: traceID,
            attemptID: attemptID, outcome: "accepted")
    }

    @discardableResult
    public func resolveInDoubt(jobID: Int64, row: Int, as resolution: InDoubtResolution) throws -> Int {
        try resolveInDoubt(jobID: jobID, row: row, as: resolution, force: false)
    }

    public func ingestWriter(jobID: Int64, kind: ChunkKind, chunkSize: Int) throws -> any IngestSink {
        try ingestWriter(jobID: jobID, kind: kind, chunkSize: chunkSize, groupsTexts: true)
    }
}

/// Where a job's rows go while its CSV is read (`StateStore.ingestWriter`). One owner; each `write`
/// commits the rows **and** the reader position after them together, so a killed ingest resumes after
/// the last batch it committed.
public protocol IngestSink: AnyObject {
    /// Recipients per chunk (per batch, for a job that groups texts).
    var chunkSize: Int { get }
    /// Whether rows with the same text share batches.
    var groupsTexts: Bool { get }
    /// Rows by status written by this writer (not earlier runs).
    var written: [RecipientStatus: Int] { get }
    /// Stores `rows` and the reader's position after them, in one transaction.
    func write(_ rows: [IngestRow], offset: Int64, line: Int, rowCount: Int) throws
    /// Moves the job to `planned` and returns the requests its pending rows make (`textGroups`: as
    /// counted while reading; nil to count them from the stored rows).
    func complete(textGroups: RequestCount?) throws -> RequestCount
}

/// A chunk's lease in a state several hosts share: who works on it, until when.
public struct ChunkLease: Sendable, Equatable {
    /// The chunk.
    public var seq: Int
    /// Its state.
    public var state: ChunkState
    /// The host (and process) that holds it.
    public var holder: String
    /// When the lease ends (Unix seconds); past it, any host may take the chunk.
    public var expiresAt: Double

    /// Creates a value.
    public init(seq: Int, state: ChunkState, holder: String, expiresAt: Double) {
        self.seq = seq
        self.state = state
        self.holder = holder
        self.expiresAt = expiresAt
    }
}

/// The budget of one API key that every job sending with it shares (`KeyLedger` is the file of one host;
/// a state several hosts share keeps its own). The rules are `KeyLedger`'s; see its doc.
public protocol KeySlotLedger: AnyObject {
    /// Where it is, for messages.
    var path: String { get }
    func reserve(bucket: String, count: Int, window: Double, margin: Double, now: Double, maxWait: Double) throws -> KeyLedger.Outcome
    func earliest(bucket: String, count: Int, window: Double, margin: Double, now: Double) throws -> Double
    func servedInWindow(bucket: String, window: Double, start: Double, now: Double) throws -> Int
    func settle(_ id: Int64, at time: Double, served: Bool) throws
    func release(_ id: Int64) throws
    func block(bucket: String, until: Double) throws
}

extension KeyLedger: KeySlotLedger {}

extension JobCounts {
    /// Counts computed while ingesting, as `counts(jobID:)` returns them right after planning.
    public static func planned(rows: [RecipientStatus: Int], requests: RequestCount) -> JobCounts {
        var recipients: [String: Int] = [:]
        for (status, count) in rows where count > 0 { recipients[status.rawValue] = count }
        return JobCounts(
            rows: rows.values.reduce(0, +), recipients: recipients, chunks: requests.total > 0 ? ["pending": requests.total] : [:],
            openChunks: requests.total, openRequests: requests)
    }
}

/// A person's decision about a request in doubt that no look-up could settle.
public enum InDoubtResolution: String, Sendable, CaseIterable {
    /// The API has it (e.g. the dashboard shows the message, with its text altered): mark it sent.
    case sent
    /// The API does not have it: back to pending, so the next run sends it (same name, same key).
    case absent
}

/// What `requeueRejected` did.
public struct RequeueSummary: Sendable, Equatable {
    /// Recipients made pending again.
    public var requeued: Int
    /// Rejected recipients left alone because their chunk is still in doubt: an earlier attempt may
    /// have reached the API, so the refusal may be of a duplicate. The next run reconciles them first.
    public var heldBack: Int
}
