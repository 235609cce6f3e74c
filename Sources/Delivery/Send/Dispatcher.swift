public import Checkpoint
import Foundation
public import Logging
import ZiettAPI
public import ZiettClient

/// Why a dispatch pass ended.
public enum DispatchEnd: Sendable, Equatable {
    /// No chunk is left open.
    case complete
    /// SIGTERM/SIGINT: stopped taking chunks.
    case interrupted
    /// A chunk used its attempts for this run (API failing); the next run continues.
    case retriesExhausted(RecordedError)
    /// The next send is further away than `maxWait`.
    case waiting(until: Double)
    /// 401/403.
    case authentication(RecordedError)
    /// 402.
    case insufficientFunds(RecordedError)
    /// `--max-errors` reached.
    case tooManyErrors(Int)
}

/// The job loop: moves every open chunk of a job through its state machine, one request at a time.
///
/// Invariant, kept by construction: the intent (`inflight`, body, key) is committed before a request
/// leaves, and the answer is committed before the next external action. A chunk found `inflight` is
/// looked up before it is resent. See docs/architecture.md for the state machine.
public final class Dispatcher {
    let store: StateStore
    let job: Job
    let client: ZiettClient
    let reconciler: Reconciler
    let options: DispatchOptions
    let stop: StopFlag
    let logger: Logger
    private var batchPacer: SlidingWindowPacer
    private var singlePacer: SlidingWindowPacer
    private var readPacer: SlidingWindowPacer
    private var backoff: Backoff
    private var rejections = 0
    /// Recipients accepted in this run (for progress and the summary).
    public private(set) var acceptedThisRun = 0
    /// Requests sent in this run.
    public private(set) var requestsThisRun = 0
    /// Failed attempts in this run (retried, or left for the next run).
    public private(set) var retriesThisRun = 0
    /// Chunks that reached a final state in this run.
    public private(set) var chunksDoneThisRun = 0
    /// Called after every chunk outcome with the in-memory counters, for progress output.
    public var onProgress: (@Sendable (DispatchProgress) -> Void)?

    /// Creates a dispatcher; pacers are seeded from the state's recent attempts.
    public init(store: StateStore, job: Job, client: ZiettClient, options: DispatchOptions, stop: StopFlag, logger: Logger) throws {
        self.store = store
        self.job = job
        self.client = client
        self.options = options
        self.stop = stop
        self.logger = logger
        reconciler = Reconciler(client: client)
        let now = StateStore.now()
        let batchLimit = options.maxRate ?? .batch
        let singleLimit = options.maxRate ?? .single
        batchPacer = SlidingWindowPacer(
            limit: batchLimit, history: try store.attemptTimes(endpoint: ChunkRequest.batchEndpoint, since: now - batchLimit.window))
        singlePacer = SlidingWindowPacer(
            limit: singleLimit, history: try store.attemptTimes(endpoint: ChunkRequest.singleEndpoint, since: now - singleLimit.window))
        readPacer = SlidingWindowPacer(limit: options.readRate)
        backoff = Backoff(base: options.backoffBase, cap: options.backoffCap, seed: options.seed)
    }

    /// Works through every open chunk in order until the job is complete or the run must stop. When none
    /// is open, the next pending rows are cut into chunks (`StateStore.cutChunks`); the job is complete
    /// when none is left to cut.
    public func run() async throws -> DispatchEnd {
        var cursor = -1
        while true {
            guard let chunk = try store.nextOpenChunk(jobID: job.id, after: cursor) else {
                if try store.cutChunks(jobID: job.id) > 0 { continue }
                return .complete
            }
            cursor = chunk.seq
            if let end = try await handle(chunk) { return end }
            chunksDoneThisRun += 1
            reportProgress()
        }
    }

    private func reportProgress() {
        onProgress?(DispatchProgress(
            acceptedThisRun: acceptedThisRun, requestsThisRun: requestsThisRun, retriesThisRun: retriesThisRun,
            chunksDone: chunksDoneThisRun))
    }

    /// Drives one chunk to a final state, or returns why the run must stop.
    private func handle(_ first: Chunk) async throws -> DispatchEnd? {
        var chunk = first
        var failures = 0
        while true {
            if stop.isRequested { return .interrupted }
            if let notBefore = chunk.notBefore, notBefore > StateStore.now() {
                if notBefore - StateStore.now() > options.maxWait { return .waiting(until: notBefore) }
                guard await stop.sleep(until: notBefore) else { return .interrupted }
            }
            var log = logger
            log[metadataKey: "chunk.seq"] = "\(chunk.seq)"
            if chunk.state == .inflight {
                switch await lookUp(chunk) {
                case .found(let campaignID, let messageID):
                    log.info("in-doubt chunk found at the API: recorded as accepted", metadata: ["campaign.id": "\(campaignID ?? messageID ?? "-")"])
                    try store.markAccepted(
                        jobID: job.id, seq: chunk.seq, campaignID: campaignID, messageID: messageID, httpStatus: nil,
                        traceID: nil, attemptID: nil, outcome: "reconciled")
                    acceptedThisRun += chunk.size
                    return nil
                case .absent:
                    log.info("in-doubt chunk proven absent at the API: it will be resent with the same key")
                    try store.markNotProcessed(jobID: job.id, seq: chunk.seq, notBefore: nil, error: nil, attemptID: nil)
                case .authentication(let error):
                    return .authentication(error)
                case .unknown(let error):
                    failures += 1
                    log.warning("look-up failed: \(error.summary)")
                    if failures >= options.maxAttemptsPerRun { return .retriesExhausted(error) }
                    guard await stop.sleep(until: StateStore.now() + backoff.delay(afterFailures: failures)) else { return .interrupted }
                    continue
                }
                chunk = try reload(chunk)
            }
            // Pending: build (or reuse) the exact request, commit the intent, send.
            let request: ChunkRequest
            if let body = chunk.body, let key = chunk.idempotencyKey, let name = chunk.name {
                request = ChunkRequest(endpoint: ChunkRequest.endpoint(of: body), name: name, body: body, idempotencyKey: key)
            } else {
                let members = try store.members(jobID: job.id, seq: chunk.seq)
                guard !members.isEmpty else {
                    try store.markAccepted(jobID: job.id, seq: chunk.seq, campaignID: nil, messageID: nil, httpStatus: nil, traceID: nil, attemptID: nil, outcome: "empty")
                    return nil
                }
                request = try ChunkRequest.build(job: job, seq: chunk.seq, kind: chunk.kind, members: members)
            }
            let single = request.endpoint == ChunkRequest.singleEndpoint
            let sendAt = single ? singlePacer.earliestSend(now: StateStore.now()) : batchPacer.earliestSend(now: StateStore.now())
            if sendAt - StateStore.now() > options.maxWait { return .waiting(until: sendAt) }
            guard await stop.sleep(until: sendAt) else { return .interrupted }
            let now = StateStore.now()
            let attemptID = try store.markInFlight(
                jobID: job.id, seq: chunk.seq, name: request.name, body: request.body,
                idempotencyKey: request.idempotencyKey, endpoint: request.endpoint, at: now)
            requestsThisRun += 1
            guard let result = await post(request, single: single) else {
                // Interrupted while the request was out: it stays in flight (in doubt) for the next run.
                return .interrupted
            }
            // The server counts the request when it arrives, somewhere between sending and the answer;
            // recording the answer's time is the bound that can never undercount the server's window.
            let observedAt = StateStore.now()
            if single { singlePacer.recordSend(at: observedAt) } else { batchPacer.recordSend(at: observedAt) }
            if case .success(let response) = result {
                if single {
                    singlePacer.observe(retryAfter: response.retryAfter, remaining: response.rateLimitRemaining, reset: response.rateLimitReset, now: observedAt)
                } else {
                    batchPacer.observe(retryAfter: response.retryAfter, remaining: response.rateLimitRemaining, reset: response.rateLimitReset, now: observedAt)
                }
            }
            let outcome = SendOutcome.classify(result)
            switch outcome {
            case .accepted(var campaignID, let messageID):
                if !single, campaignID == nil, case .found(let id, _) = await reconciler.findBatch(named: request.name) {
                    // The old docs answer 202 with a null body: the campaign id is then found by name.
                    campaignID = id
                }
                try store.markAccepted(
                    jobID: job.id, seq: chunk.seq, campaignID: campaignID, messageID: messageID,
                    httpStatus: result.status, traceID: nil, attemptID: attemptID)
                acceptedThisRun += chunk.size
                log.debug("accepted", metadata: ["campaign.id": "\(campaignID ?? messageID ?? "-")"])
                return nil
            case .rejected(let error, let recipients):
                rejections += 1
                let members = try store.members(jobID: job.id, seq: chunk.seq)
                if !single, !recipients.isEmpty, recipients.count < members.count,
                   recipients.keys.allSatisfy({ $0 >= 0 && $0 < members.count })
                {
                    var rows: [Int: String] = [:]
                    for (index, message) in recipients { rows[members[index].row] = "\(error.code): \(message)" }
                    let next = try store.split(jobID: job.id, seq: chunk.seq, rejectedRows: rows, error: error, attemptID: attemptID)
                    log.warning("batch refused for \(rows.count) recipient(s); the other \(members.count - rows.count) go as chunk \(next.map(String.init) ?? "-")", metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
                } else {
                    try store.markRejected(jobID: job.id, seq: chunk.seq, error: error, attemptID: attemptID)
                    log.error("chunk rejected: \(error.summary)", metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
                }
                if let maxErrors = options.maxErrors, rejections >= maxErrors { return .tooManyErrors(rejections) }
                return nil
            case .notProcessed(let error, let retryAfter), .inDoubt(let error, let retryAfter):
                failures += 1
                retriesThisRun += 1
                reportProgress()
                let delay = backoff.delay(afterFailures: failures, retryAfter: retryAfter)
                let notBefore = StateStore.now() + delay
                if case .inDoubt = outcome {
                    try store.markInDoubt(jobID: job.id, seq: chunk.seq, notBefore: notBefore, error: error, attemptID: attemptID)
                } else {
                    try store.markNotProcessed(jobID: job.id, seq: chunk.seq, notBefore: notBefore, error: error, attemptID: attemptID)
                }
                log.warning("attempt \(failures) failed: \(error.summary); next in \(String(format: "%.1f", delay)) s", metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
                if failures >= options.maxAttemptsPerRun { return .retriesExhausted(error) }
                chunk = try reload(chunk)
            case .authentication(let error):
                try store.markNotProcessed(jobID: job.id, seq: chunk.seq, notBefore: nil, error: error, attemptID: attemptID)
                return .authentication(error)
            case .insufficientFunds(let error):
                try store.markNotProcessed(jobID: job.id, seq: chunk.seq, notBefore: nil, error: error, attemptID: attemptID)
                return .insufficientFunds(error)
            }
        }
    }

    private func lookUp(_ chunk: Chunk) async -> Reconciler.Finding {
        guard let body = chunk.body, let name = chunk.name else { return .absent }
        let at = readPacer.earliestSend(now: StateStore.now())
        guard await stop.sleep(until: at) else { return .unknown(RecordedError(httpStatus: nil, code: "INTERRUPTED", message: "stopped")) }
        readPacer.recordSend(at: StateStore.now())
        if ChunkRequest.endpoint(of: body) == ChunkRequest.singleEndpoint,
           let message = try? WireCoding.decoder().decode(SendMessageRequest.self, from: Data(body))
        {
            return await reconciler.findMessage(e164: message.targetE164, content: message.content, since: job.createdAt)
        }
        return await reconciler.findBatch(named: name)
    }

    /// Sends, but gives up waiting `stopGrace` seconds after a stop request; nil then.
    private func post(_ request: ChunkRequest, single: Bool) async -> Result<ZiettHTTPResponse, ZiettTransportError>? {
        let client = client
        let stop = stop
        let grace = options.stopGrace
        return await withTaskGroup(of: Result<ZiettHTTPResponse, ZiettTransportError>?.self) { group in
            group.addTask {
                single
                    ? await client.postMessage(body: request.body, idempotencyKey: request.idempotencyKey)
                    : await client.postBatch(body: request.body, idempotencyKey: request.idempotencyKey)
            }
            group.addTask {
                while !stop.isRequested {
                    try? await Task.sleep(for: .milliseconds(50))
                    if Task.isCancelled { return nil }
                }
                try? await Task.sleep(for: .seconds(grace))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    private func reload(_ chunk: Chunk) throws -> Chunk {
        try store.chunk(jobID: job.id, seq: chunk.seq) ?? chunk
    }
}

extension Result where Success == ZiettHTTPResponse {
    var status: Int? { if case .success(let r) = self { r.status } else { nil } }
}
