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
    /// The API's address answered with a redirect: a configuration error (`--base-url`), not the API.
    case misconfigured(RecordedError)
    /// Before its first request, the job found its campaign (same CSV content, sender and message) sent
    /// recently by another job: one line per request found. Nothing was sent (`--allow-resend` to send).
    case sentByAnotherJob([String])
    /// Only chunks outside their send window are left: the next window opens at this time (nil: no
    /// opening in sight, e.g. zones whose windows never overlap, or none before the campaign's end).
    case outsideWindow(nextOpening: Double?)
}

/// The job loop: takes every open chunk of a job in order (a job that groups texts: batches and single
/// messages as two lanes, whichever may go first) and carries out what its `ChunkStateMachine` asks for,
/// one request at a time.
///
/// It decides nothing itself: the machine decides what happens to a chunk, the `RequestGate` when a
/// request may leave, `SendOutcome.classify` what an answer means. Invariant, kept by the machine's
/// order of actions: the intent (`inflight`, body, key) is committed before a request leaves, and the
/// answer is committed before the next external action. See docs/architecture.md.
public final class Dispatcher {
    let store: any StateStore
    let job: Job
    let client: ZiettClient
    let options: DispatchOptions
    let stop: StopFlag
    let clock: any JobClock
    let logger: Logger
    /// Where every request of the run waits its turn (sends and look-ups share it).
    public let gate: RequestGate
    let reconciler: Reconciler
    let resendCheck: ResendCheck
    /// Whether this run already made (or skipped) the resend check.
    private var resendChecked = false
    /// The job's send window, start and end; nil when it has none (every chunk may go at any time).
    let schedule: SendSchedule?
    /// Closed verdicts by window group: a group that opens at t stays closed until t, so the many chunks
    /// of a closed group (one per recipient for personalised texts) do not each recompute it.
    private var closedUntil: [String?: (verdict: SendSchedule.Verdict, until: Double)] = [:]
    /// `windowEnd`'s last answer, for the `until` it was asked about: a host waiting for another's lease
    /// asks every 2 s with the same `until`, and each answer is a scan of the pending rows' window groups.
    private var lastWindowEnd: (until: Double, end: DispatchEnd?)?
    private var machine: ChunkStateMachine
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

    /// Creates a dispatcher; the send budgets are seeded from the state's recent attempts.
    public init(
        store: any StateStore, job: Job, client: ZiettClient, options: DispatchOptions, stop: StopFlag,
        clock: any JobClock = SystemClock(), budget: KeyBudget? = nil, logger: Logger
    ) throws {
        self.store = store
        self.job = job
        self.client = client
        self.options = options
        self.stop = stop
        self.clock = clock
        self.logger = logger
        let schedule = try job.settings.sendSchedule()
        self.schedule = schedule.isUnrestricted ? nil : schedule
        var limits: [PacingBucket: RateLimit] = [PacingBucket.reads: options.readRate]
        var history: [PacingBucket: [Double]] = [:]
        let sendLimits = SendLimits(job: job, maxRate: options.maxRate)
        for endpoint in [ZiettEndpoint.sendBatch, .sendMessage] {
            let limit = sendLimits.limit(for: endpoint)
            limits[endpoint.pacingBucket] = limit
            history[endpoint.pacingBucket] = try store.attemptTimes(endpoint: endpoint.rawValue, since: clock.now() - limit.window)
        }
        gate = RequestGate(
            schedule: RequestSchedule(maxWait: options.maxWait, limits: limits, history: history), clock: clock, stop: stop,
            budget: budget)
        // Look-ups retry in the reader with their own jitter stream, so a replayed run's send delays do not
        // depend on how many look-ups failed.
        let reader = ListReader(
            client: client, gate: gate, maxAttempts: options.maxAttemptsPerRun,
            backoff: Backoff(base: options.backoffBase, cap: options.backoffCap, seed: options.seed &+ 1), logger: logger)
        reconciler = Reconciler(reader: reader)
        resendCheck = ResendCheck(reader: reader)
        machine = ChunkStateMachine(configuration: .init(
            maxAttemptsPerRun: options.maxAttemptsPerRun, maxErrors: options.maxErrors,
            backoff: Backoff(base: options.backoffBase, cap: options.backoffCap, seed: options.seed),
            settleAfter: options.settleAfter))
    }

    /// Before the job's first request, once: asks the API whether another job sent this campaign within
    /// `resendWindow` (`ResendCheck`). Returns how the run ends when it must not send, nil to go on. The
    /// answer is recorded, so a resumed run neither asks again nor mistakes its own batches for another's.
    func checkForResend() async throws -> DispatchEnd? {
        guard let window = options.resendWindow, window > 0, try store.needsResendCheck(jobID: job.id) else { return nil }
        let now = clock.now()
        let since = now - window
        // Batches carry the fingerprint in their names; single messages carry no name, so a personalised
        // job (or one from before fingerprints) is recognised by its first recipients' messages. Not for a
        // batch job: the same text to the same first rows (seed numbers, a test send) is not this campaign.
        let bySamples = job.settings.campaignFingerprint == nil || job.chunkKind == .single
        let samples = bySamples ? try store.firstPendingRecipients(jobID: job.id, limit: ResendCheck.sampleSize) : []
        let sinceText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: since))
        switch await resendCheck.run(job: job, samples: samples, since: since) {
        case .none:
            try store.recordResendCheck(jobID: job.id, "nothing of this campaign from another job since \(sinceText)")
            return nil
        case .found(let lines):
            // Several hosts on one job (a shared state): another host of this job may have made the check
            // and sent while this one looked, so what it found can be this job's own messages. That host's
            // check already stands for the job.
            if try !store.needsResendCheck(jobID: job.id) {
                logger.info("another host of this job made the resend check and has sent; not checking again")
                return nil
            }
            guard options.allowResend else { return .sentByAnotherJob(lines) }
            logger.warning("sending a campaign another job sent recently, as --allow-resend asks", metadata: ["found": "\(lines.joined(separator: "; "))"])
            try store.recordResendCheck(jobID: job.id, "sent again with --allow-resend; found: \(lines.joined(separator: "; "))")
            return nil
        case .unproven(let end):
            return ChunkStateMachine.dispatchEnd(end)
        }
    }

    /// Works through every open chunk in order until the job is complete or the run must stop. When none
    /// is open, the next pending rows are cut into chunks (`StateStore.cutChunks`); the job is complete
    /// when none is left to cut and no chunk is parked.
    ///
    /// A chunk in doubt whose last attempt has not settled yet is parked: the run goes on with the other
    /// chunks and comes back to it when it is due. A run left with parked chunks only waits for the
    /// earliest when the wait is within `maxWait`, else it ends (exit 75) and the next cron tick looks it up.
    public func run() async throws -> DispatchEnd {
        var cursors = Cursors()
        // Chunks set aside: in doubt until their last attempt settles, or (`window`) pending until their
        // send window opens (`until` = .infinity when no opening is in sight).
        var parked: [(seq: Int, until: Double, window: Bool)] = []
        // Which chunks are in `parked`: a chunk met again behind the cursors (a shared state) is parked once,
        // without a scan of the list each time (a million window-closed chunks must not cost a square).
        var parkedSeqs: Set<Int> = []
        // A shared state: chunks behind the cursors may need work again (a dead host's, once its lease
        // ended; one another host put back after a 429). Looked for from the first chunk once each time the
        // cursors run out, until the run makes progress again (a chunk done, more rows cut).
        var lookedBehind = false
        while true {
            let chunk: Chunk
            if let next = try nextOpenChunk(&cursors) {
                chunk = next
            } else if store.isShared, !lookedBehind {
                lookedBehind = true
                cursors = Cursors()
                continue
            } else if try expireUncutIfEnded() {
                continue
            } else if try cutChunks() > 0 {
                lookedBehind = false
                continue
            } else if let earliest = parked.indices.min(by: { parked[$0].until < parked[$1].until }) {
                let (seq, until, window) = parked.remove(at: earliest)
                parkedSeqs.remove(seq)
                // No `Keep` for this wait: an in-doubt chunk is held until `until` already (a lease beyond it),
                // and one waiting for its window was given back until then; either is held again below.
                switch await gate.pass(.listCampaigns, notBefore: until) {
                case .stopped, .lost: return .interrupted
                case .tooFar(let until):
                    // A window chunk parked until the campaign's end (no opening before it) waits for no opening.
                    let opening = until.isFinite && until != schedule?.notAfter ? until : nil
                    return window ? .outsideWindow(nextOpening: opening) : .waiting(until: until)
                case .go: break
                }
                // Held again for this host: nil when another host took it meanwhile (a shared state).
                guard let reloaded = try store.holdChunk(jobID: job.id, seq: seq, until: clock.now()),
                      reloaded.state == .inflight || reloaded.state == .pending
                else {
                    continue
                }
                chunk = reloaded
            } else if let until = try store.openElsewhereUntil(jobID: job.id) {
                // A shared state: chunks other hosts hold are still open. The job is complete only when they
                // are done; wait for the earliest lease to end (the host may have died), then look again from
                // the first chunk (the cursors only ever move forward).
                switch try await waitForOtherHosts(until: until) {
                case .some(let end): return end
                case .none: cursors = Cursors()
                }
                continue
            } else {
                return .complete
            }
            let ended: DriveEnd
            do {
                ended = try await drive(chunk)
            } catch {
                // Another host took the chunk (its lease ended under a long wait), or settled it: it is that
                // host's now. (A state file's chunk changed underneath is another process despite the lock.)
                guard let refusal = error as? StateStoreError,
                      refusal.code == .heldByAnotherHost || (store.isShared && refusal.code == .chunkChangedUnderneath)
                else { throw error }
                machine.chunkLeft()
                logger.notice("chunk left to another host", metadata: ["chunk.seq": "\(chunk.seq)", "reason": "\(refusal)"])
                continue
            }
            switch ended {
            case .final:
                chunksDoneThisRun += 1
                lookedBehind = false
                reportProgress()
            case .parked(let until):
                logger.info("in-doubt chunk parked until its last attempt has settled", metadata: [
                    "chunk.seq": "\(chunk.seq)", "until": "\(Date(timeIntervalSince1970: until))",
                ])
                // Kept until it is due, so no other host looks it up before it has settled.
                _ = try store.holdChunk(jobID: job.id, seq: chunk.seq, until: until)
                if !parkedSeqs.insert(chunk.seq).inserted { parked.removeAll { $0.seq == chunk.seq } }
                parked.append((chunk.seq, until, false))
            case .awaitingWindow(let until):
                logger.debug("chunk waits for its send window", metadata: [
                    "chunk.seq": "\(chunk.seq)", "window.group": "\(chunk.windowGroup ?? "-")",
                    "opens": "\(until.isFinite ? SendSchedule.format(until) : "not in sight")",
                ])
                // Not before its opening, for any host: no host takes it up only to set it aside again.
                try store.releaseChunk(jobID: job.id, seq: chunk.seq, notBefore: until.isFinite ? until : nil)
                // Met again when looking behind the cursors (a shared state): parked once.
                if !parkedSeqs.insert(chunk.seq).inserted { parked.removeAll { $0.seq == chunk.seq } }
                parked.append((chunk.seq, until, true))
            case .stop(let end):
                return end
            }
        }
    }

    /// How long to wait at most between looks at chunks other hosts hold: a host that finishes early frees
    /// its chunks long before its lease would end.
    static let otherHostsPoll = 2.0

    /// Waits until `until` (when a chunk another host holds may be this host's), at most `otherHostsPoll`
    /// seconds; a run ends instead (exit 75) when that is further than `maxWait`. Nil: look again.
    ///
    /// When `until` is a send window's opening (only chunks set aside until then are left, and no other
    /// host's lease ends sooner), nothing can change before it: the wait runs to the opening in one sleep,
    /// rather than a look every 2 s, each a scan over the hidden chunks.
    private func waitForOtherHosts(until: Double) async throws -> DispatchEnd? {
        let now = clock.now()
        if until - now > options.maxWait { return try endWaiting(until: until, now: now) }
        var forWindow = false
        if until - now > Self.otherHostsPoll { forWindow = try windowEnd(until: until, now: now) != nil }
        // At least a moment: a chunk free now may be one another host is taking this instant.
        let wait = forWindow ? until - now : min(max(0.2, until - now), Self.otherHostsPoll)
        logger.debug(
            forWindow ? "waiting for the send window of chunks set aside" : "waiting for chunks other hosts hold",
            metadata: ["next_look_in_s": "\(wait)"])
        guard await stop.sleep(until: now + wait, clock: clock) else { return .interrupted }
        return nil
    }

    /// The end of a run that would wait too long for the chunks it cannot take yet: `windowEnd`, else
    /// "the next send is due".
    private func endWaiting(until: Double, now: Double) throws -> DispatchEnd {
        try windowEnd(until: until, now: now) ?? .waiting(until: until)
    }

    /// When what a run waits for until `until` is a send window's opening (chunks set aside until then, by
    /// another host or an earlier run: a shared state hides them until their opening), the end that says
    /// so, as the run that set them aside did. A chunk whose window opens nowhere before the campaign's end
    /// was set aside until that end (when it expires): the end says no window opens. Nil otherwise.
    private func windowEnd(until: Double, now: Double) throws -> DispatchEnd? {
        guard let schedule else { return nil }
        if let last = lastWindowEnd, last.until == until { return last.end }
        var end: DispatchEnd?
        if let outlook = try WindowOutlook.make(store: store, job: job, now: now) {
            if let opening = outlook.nextOpening, abs(opening - until) < 1 {
                end = .outsideWindow(nextOpening: opening)
            } else if outlook.neverOpening > 0, let notAfter = schedule.notAfter, abs(notAfter - until) < 1 {
                end = .outsideWindow(nextOpening: nil)
            }
        }
        lastWindowEnd = (until, end)
        return end
    }

    /// Cuts the next pending rows into chunks (`StateStore.cutChunks`). A job that groups texts, or a batch
    /// job with a send window, cuts every row at once, before its first request: 10 to 20 s per million rows
    /// on a busy 2-core machine, said in the log so that a long first minute has a reason.
    private func cutChunks() throws -> Int {
        let started = clock.now()
        let cut = try store.cutChunks(jobID: job.id, grouped: schedule?.window != nil)
        let seconds = clock.now() - started
        if seconds >= 1 {
            logger.info("cut \(cut) chunk(s) in \(String(format: "%.1f", seconds)) s", metadata: ["groups.texts": "\(job.groupsTexts)"])
        }
        return cut
    }

    /// Where the walk through the open chunks has come: one cursor, or one per lane for a job that groups
    /// texts.
    private struct Cursors {
        var all = -1
        var batches = -1
        var messages = -1
    }

    /// The next open chunk to drive. A job that groups texts sends batches and single messages side by
    /// side: of the next chunk of each lane, the one whose request may leave first, so that while the
    /// batch lane waits out its 6 s spacing the message lane sends at its own (each under its own limit).
    /// Every other job takes its chunks in order.
    private func nextOpenChunk(_ cursors: inout Cursors) throws -> Chunk? {
        guard job.groupsTexts else {
            let next = try store.takeNextChunk(jobID: job.id, after: cursors.all, lane: nil)
            if let next { cursors.all = next.seq }
            return next
        }
        let batch = try store.takeNextChunk(jobID: job.id, after: cursors.batches, lane: .batches)
        let message = try store.takeNextChunk(jobID: job.id, after: cursors.messages, lane: .messages)
        let takeBatch: Bool
        switch (batch, message) {
        case (nil, nil): return nil
        case (.some, nil): takeBatch = true
        case (nil, .some): takeBatch = false
        case (.some(let b), .some(let m)): takeBatch = earliestStart(of: b, .sendBatch) <= earliestStart(of: m, .sendMessage)
        }
        // The other lane's chunk goes back (a shared state leased it): taken again when its turn comes.
        if takeBatch, let batch {
            if let message { try store.releaseChunk(jobID: job.id, seq: message.seq, notBefore: nil) }
            cursors.batches = batch.seq
            return batch
        }
        if let batch { try store.releaseChunk(jobID: job.id, seq: batch.seq, notBefore: nil) }
        if let message { cursors.messages = message.seq }
        return message
    }

    /// When a chunk's next request may leave by this run's own schedule: now for one in doubt (its look-up
    /// comes first), else its endpoint's pacer and its own not-before.
    private func earliestStart(of chunk: Chunk, _ endpoint: ZiettEndpoint) -> Double {
        chunk.state == .inflight ? clock.now() : gate.earliest(endpoint, notBefore: chunk.notBefore)
    }

    /// Past the campaign's end (`--not-after`), expires every pending row not cut into a chunk yet, so
    /// none is cut and sent; true when some did. Chunks already cut expire as they are opened.
    private func expireUncutIfEnded() throws -> Bool {
        guard let end = schedule?.notAfter, clock.now() >= end else { return false }
        let count = try store.expireUncut(jobID: job.id, reason: expiryReason(end))
        if count > 0 { logger.notice("campaign ended: \(count) recipient(s) not sent expired", metadata: ["not_after": "\(SendSchedule.format(end))"]) }
        return count > 0
    }

    private func expiryReason(_ end: Double) -> String {
        "not sent before the campaign ended (--not-after \(SendSchedule.format(end)))"
    }

    /// What the schedule says for `group` now (`.open` without a schedule), closed verdicts cached until
    /// they can change.
    private func verdict(for group: String?) -> SendSchedule.Verdict {
        guard let schedule else { return .open }
        let now = clock.now()
        if let cached = closedUntil[group], now < cached.until { return cached.verdict }
        let verdict = schedule.verdict(group: group, at: now)
        switch verdict {
        case .opensAt(let time): closedUntil[group] = (verdict, time)
        case .neverOpens: closedUntil[group] = (verdict, schedule.notAfter ?? .infinity)
        case .open, .ended: closedUntil[group] = nil
        }
        return verdict
    }

    /// The window's answer to "earliest open time at or after t" for a chunk's group, for the gate.
    private func windowOpening(for chunk: Chunk) -> ((Double) -> Double?)? {
        guard let schedule else { return nil }
        let group = chunk.windowGroup
        return { time in
            switch schedule.verdict(group: group, at: time) {
            case .open: time
            case .opensAt(let opening): opening
            case .neverOpens, .ended: nil
            }
        }
    }

    /// How driving one chunk ended.
    private enum DriveEnd {
        /// The chunk is final.
        case final
        /// The chunk waits for its last attempt to settle.
        case parked(until: Double)
        /// The chunk waits for its send window to open (`.infinity`: no opening in sight).
        case awaitingWindow(until: Double)
        /// The run ends.
        case stop(DispatchEnd)
    }

    private func reportProgress() {
        onProgress?(DispatchProgress(
            acceptedThisRun: acceptedThisRun, requestsThisRun: requestsThisRun, retriesThisRun: retriesThisRun,
            chunksDone: chunksDoneThisRun))
    }

    /// Carries out the machine's actions for one chunk until it is final or parked, or the run must stop.
    private func drive(_ chunk: Chunk) async throws -> DriveEnd {
        var log = logger
        log[metadataKey: "chunk.seq"] = "\(chunk.seq)"
        let request = try prepare(chunk)
        var attemptID: Int64?
        var startedAt = 0.0
        var action = stop.isRequested
            ? machine.stopRequested()
            : machine.chunkOpened(.init(
                seq: chunk.seq, endpoint: request?.endpoint ?? ChunkRequest.endpoint(kind: chunk.kind, recipients: chunk.size),
                recipients: request == nil ? 0 : chunk.size, inDoubt: chunk.state == .inflight && request != nil,
                notBefore: chunk.notBefore, earlierAttempts: chunk.attempts, lastAttemptAt: chunk.lastAttemptAt,
                window: verdict(for: chunk.windowGroup)), now: clock.now())
        while true {
            switch action {
            case .nextChunk:
                return .final
            case .park(let until):
                return .parked(until: until)
            case .awaitWindow(let opensAt):
                // No opening in sight: check again at the campaign's end, when the chunk expires.
                return .awaitingWindow(until: opensAt ?? schedule?.notAfter ?? .infinity)
            case .stop(let end):
                return .stop(end)
            case .record(let transition):
                try record(transition, of: chunk, attemptID: attemptID, log: log)
                attemptID = nil
                action = machine.recorded(now: clock.now())
            case .lookUp(let notBefore):
                guard let request else { throw DispatchError.noRequest(seq: chunk.seq) }
                let readEndpoint: ZiettEndpoint = request.endpoint == .sendMessage ? .listMessages : .listCampaigns
                let keep = keep(chunk)
                switch await gate.pass(readEndpoint, notBefore: notBefore, keep: keep) {
                case .stopped: action = machine.stopRequested()
                case .lost: throw lost(chunk, keep)
                case .tooFar(let until): action = machine.gateTooFar(until: until)
                case .go:
                    // The wait at the gate may have outlasted the lease: held again, or left to the host that took it.
                    guard try store.holdChunk(jobID: job.id, seq: chunk.seq, until: clock.now()) != nil else {
                        throw StateStoreError.heldByAnotherHost(jobID: job.id, seq: chunk.seq, holder: "another host", location: store.location)
                    }
                    action = machine.lookUpFinished(try await lookUp(request, seq: chunk.seq), now: clock.now())
                }
            case .send(let notBefore):
                guard let request else { throw DispatchError.noRequest(seq: chunk.seq) }
                // Before the job's first request (not before it knows one will go: a job whose rows all
                // expired asks nothing).
                if !resendChecked {
                    resendChecked = true
                    if let end = try await checkForResend() { return .stop(end) }
                }
                let window = windowOpening(for: chunk)
                let keep = keep(chunk)
                switch await gate.pass(request.endpoint, notBefore: notBefore, window: window, keep: keep) {
                case .stopped: action = machine.stopRequested()
                case .lost: throw lost(chunk, keep)
                case .tooFar(let until):
                    // The window closed while the request waited its turn: the run ends, the chunk stays pending.
                    let now = clock.now()
                    let closedNow = window.map { $0(now) != now } ?? false
                    action = closedNow || !until.isFinite
                        ? machine.windowClosed(opensAt: until.isFinite ? until : nil) : machine.gateTooFar(until: until)
                case .go:
                    startedAt = clock.now()
                    attemptID = try store.markInFlight(
                        jobID: job.id, seq: chunk.seq, name: request.name, body: request.body,
                        idempotencyKey: request.idempotencyKey, endpoint: request.endpoint.rawValue, at: startedAt)
                    requestsThisRun += 1
                    guard let result = await post(request) else {
                        // Abandoned after the stop's grace period: it stays in flight (in doubt) for the next run.
                        action = machine.stopRequested()
                        continue
                    }
                    gate.record(request.endpoint, result)
                    action = machine.answerReceived(
                        SendOutcome.classify(result, for: request.endpoint), httpStatus: result.status, startedAt: startedAt, now: clock.now())
                }
            }
        }
    }

    /// On a state several hosts share, what keeps `chunk` this host's while its request waits at the gate:
    /// its lease renewed every third of a lease. Without it a wait for the key's budget or a 429's pause
    /// longer than the lease hands the chunk to another host, which waits for the same budget, and this
    /// host's wait is wasted. A renewal that fails ends the run with its error (`lost(_:_:)`).
    private func keep(_ chunk: Chunk) -> RequestGate.Keep? {
        guard store.isShared else { return nil }
        let store = self.store, clock = self.clock, jobID = job.id, seq = chunk.seq
        return RequestGate.Keep(every: options.lease / 3) {
            try store.holdChunk(jobID: jobID, seq: seq, until: clock.now()) != nil
        }
    }

    /// Why a chunk's wait at the gate ended with `.lost`: its renewal's error, which ends the run (the chunk
    /// is still this host's until its lease ends, and the next run takes it again), else another host has it.
    private func lost(_ chunk: Chunk, _ keep: RequestGate.Keep?) -> any Error {
        if let failure = keep?.failure {
            logger.error("could not renew the chunk's lease: \(failure)", metadata: ["chunk.seq": "\(chunk.seq)"])
            return failure
        }
        return StateStoreError.heldByAnotherHost(jobID: job.id, seq: chunk.seq, holder: "another host", location: store.location)
    }

    /// The exact request of a chunk: the stored one once it was first sent, else built from its
    /// recipients; nil when no recipient is left in it.
    private func prepare(_ chunk: Chunk) throws -> ChunkRequest? {
        if let body = chunk.body, let key = chunk.idempotencyKey, let name = chunk.name {
            return ChunkRequest(endpoint: ChunkRequest.endpoint(of: body), name: name, body: body, idempotencyKey: key)
        }
        let members = try store.members(jobID: job.id, seq: chunk.seq)
        guard !members.isEmpty else { return nil }
        return try ChunkRequest.build(job: job, seq: chunk.seq, kind: chunk.kind, members: members)
    }

    /// Commits one transition (one transaction) and logs it.
    private func record(_ transition: ChunkTransition, of chunk: Chunk, attemptID: Int64?, log: Logger) throws {
        switch transition {
        case .accepted(let campaignID, let messageID, let httpStatus, let how):
            try store.markAccepted(
                jobID: job.id, seq: chunk.seq, campaignID: campaignID, messageID: messageID, httpStatus: httpStatus,
                traceID: nil, attemptID: attemptID, outcome: how.rawValue)
            guard how != .empty else { return }
            acceptedThisRun += chunk.size
            if how == .reconciled {
                log.info("in-doubt chunk found at the API: recorded as accepted", metadata: ["campaign.id": "\(campaignID ?? messageID ?? "-")"])
            } else {
                log.debug("accepted", metadata: ["campaign.id": "\(campaignID ?? messageID ?? "-")"])
            }
        case .rejected(let error):
            try store.markRejected(jobID: job.id, seq: chunk.seq, error: error, attemptID: attemptID)
            log.error("chunk rejected: \(error.summary)", metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
        case .split(let recipients, let error):
            let members = try store.members(jobID: job.id, seq: chunk.seq)
            var rows: [Int: String] = [:]
            for (index, message) in recipients where index < members.count { rows[members[index].row] = "\(error.code): \(message)" }
            let next = try store.split(jobID: job.id, seq: chunk.seq, rejectedRows: rows, error: error, attemptID: attemptID)
            log.warning(
                "batch refused for \(rows.count) recipient(s); the other \(members.count - rows.count) go as chunk \(next.map(String.init) ?? "-")",
                metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
        case .notProcessed(let error, let notBefore):
            try store.markNotProcessed(jobID: job.id, seq: chunk.seq, notBefore: notBefore, error: error, attemptID: attemptID)
            if let error, let notBefore {
                retried(error, notBefore: notBefore, log: log)
            } else if error == nil {
                log.info("in-doubt chunk proven absent at the API: it will be resent with the same key")
            }
        case .inDoubt(let error, let notBefore):
            try store.markInDoubt(jobID: job.id, seq: chunk.seq, notBefore: notBefore, error: error, attemptID: attemptID)
            retried(error, notBefore: notBefore, log: log)
        case .expired:
            let end = schedule?.notAfter ?? clock.now()
            try store.markExpired(jobID: job.id, seq: chunk.seq, reason: expiryReason(end))
            log.info("chunk expired: the campaign ended before it was sent")
        }
    }

    private func retried(_ error: RecordedError, notBefore: Double, log: Logger) {
        retriesThisRun += 1
        reportProgress()
        log.warning(
            "attempt failed: \(error.summary); next in \(String(format: "%.1f", max(0, notBefore - clock.now()))) s",
            metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
    }

    /// Looks chunk `seq`'s request up: a batch by its name; a single message by number, sender and text
    /// from its first attempt's start (less the clock-skew margin), not from the job's creation: in a job
    /// that runs for days, an older message to the number would make the look-up ambiguous.
    private func lookUp(_ request: ChunkRequest, seq: Int) async throws -> Reconciler.Finding {
        if request.endpoint == .sendMessage,
           let message = try? WireCoding.decoder().decode(SendMessageRequest.self, from: Data(request.body))
        {
            let since = try store.lookUpWindowStart(jobID: job.id, seq: seq) ?? job.createdAt
            return await reconciler.findMessage(
                e164: message.targetE164, content: message.content, sender: message.remitterID, since: since,
                clockSkewMargin: options.clockSkewMargin)
        }
        return await reconciler.findBatch(named: request.name)
    }

    /// Sends, but gives up waiting `stopGrace` seconds after a stop request; nil then.
    ///
    /// The grace period is real time on purpose: it bounds how long a real socket may keep an answer
    /// from a stopping process, whatever clock the run's schedule uses.
    private func post(_ request: ChunkRequest) async -> Result<ZiettHTTPResponse, ZiettTransportError>? {
        let client = client
        let stop = stop
        let grace = options.stopGrace
        return await withTaskGroup(of: Result<ZiettHTTPResponse, ZiettTransportError>?.self) { group in
            group.addTask {
                await client.post(request.endpoint, body: request.body, idempotencyKey: request.idempotencyKey)
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
}

/// A dispatcher bug caught before it could send anything wrong.
enum DispatchError: Error, CustomStringConvertible {
    /// The machine asked to send or look up a chunk that has no request.
    case noRequest(seq: Int)

    var description: String {
        switch self {
        case .noRequest(let seq): "internal error: chunk \(seq) has no request to send or look up"
        }
    }
}
