import Checkpoint
public import ZiettAPI

/// The rules that move one chunk at a time from open to final, or stop the run: a pure value.
///
/// It takes events (a chunk opened, a look-up's finding, an answer classified, a transition recorded,
/// the gate too far away, a stop requested), each with the current time where time matters, and returns
/// the one action the dispatcher carries out next. It does no I/O and reads no clock, so every rule of
/// docs/architecture.md's error-class table is a unit test of a few lines (`ChunkStateMachineTests`).
///
/// Safety rests on the order it imposes: a `record` action is always carried out (committed) before the
/// dispatcher asks for the next action, and a chunk in doubt is only ever looked up, never sent, until a
/// look-up proved it absent and that finding was recorded.
public struct ChunkStateMachine: Sendable {
    /// The limits of one run.
    public struct Configuration: Sendable {
        /// Failed attempts per chunk in one run before the run stops and leaves it to cron.
        public var maxAttemptsPerRun: Int
        /// Refused requests after which the run stops (`--max-errors`); nil for no limit.
        public var maxErrors: Int?
        /// The retry delays (seeded, so a run can be replayed).
        public var backoff: Backoff
        /// Seconds after an attempt's start before its absence at the API is believed: the request
        /// timeout (the API may still be working on it until the client gives up, and after) plus a settle
        /// margin (for lists that show writes late). A look-up of an in-doubt chunk waits for it.
        public var settleAfter: Double
        /// Seconds before a chunk whose look-up was ambiguous (same number, other text) is looked up again.
        public var ambiguousRecheck: Double = 3600

        /// Creates a configuration.
        public init(maxAttemptsPerRun: Int, maxErrors: Int?, backoff: Backoff, settleAfter: Double = 0) {
            self.maxAttemptsPerRun = maxAttemptsPerRun
            self.maxErrors = maxErrors
            self.backoff = backoff
            self.settleAfter = settleAfter
        }
    }

    /// What the dispatcher knows of a chunk when it opens it.
    public struct OpenChunk: Sendable, Equatable {
        /// Its number.
        public var seq: Int
        /// Where its request goes.
        public var endpoint: ZiettEndpoint
        /// Recipients in the request (0: none left, nothing to send).
        public var recipients: Int
        /// A request may have left and its fate is unknown (`inflight`): look it up first.
        public var inDoubt: Bool
        /// Not to be sent or looked up before this time (a stored backoff).
        public var notBefore: Double?
        /// Requests made for it by earlier runs (or earlier in this run). Any of them may have ended in
        /// doubt and still arrived, so a refusal of a later one is not taken as final before a look-up.
        public var earlierAttempts: Int
        /// When its last attempt began: until that attempt has settled, its absence proves nothing.
        public var lastAttemptAt: Double?
        /// What its send window (and the campaign's start and end) says now: a chunk is sent only while
        /// it is open; after the campaign's end it expires. Look-ups of a chunk in doubt are never held back.
        public var window: SendSchedule.Verdict

        /// Creates a description of an open chunk.
        public init(
            seq: Int, endpoint: ZiettEndpoint, recipients: Int, inDoubt: Bool, notBefore: Double?, earlierAttempts: Int = 0,
            lastAttemptAt: Double? = nil, window: SendSchedule.Verdict = .open
        ) {
            self.window = window
            self.seq = seq
            self.endpoint = endpoint
            self.recipients = recipients
            self.inDoubt = inDoubt
            self.notBefore = notBefore
            self.earlierAttempts = earlierAttempts
            self.lastAttemptAt = lastAttemptAt
        }
    }

    /// The one thing to do next.
    public enum Action: Sendable, Equatable {
        /// Ask the API whether the chunk's request arrived, no earlier than `notBefore`; then report
        /// `lookUpFinished`.
        case lookUp(notBefore: Double?)
        /// Commit the intent (in flight, exact body, key, one more attempt), then send, no earlier than
        /// `notBefore`; then report `answerReceived` (or `sendAbandoned`).
        case send(notBefore: Double?)
        /// Commit this transition; then report `recorded`.
        case record(ChunkTransition)
        /// The chunk is in doubt and its look-up is not due before `until` (its last attempt may still be
        /// in progress at the API): leave it as recorded, go on with other chunks, and open it again at
        /// `until` or later.
        case park(until: Double)
        /// The chunk may not be sent before its send window opens at `opensAt` (nil: no opening is in
        /// sight): leave it pending, go on with other chunks, and open it again then.
        case awaitWindow(opensAt: Double?)
        /// The chunk is final: open the next one.
        case nextChunk
        /// The run ends here; every open chunk is left as recorded for the next run.
        case stop(DispatchEnd)
    }

    private enum State: Sendable {
        /// No chunk open.
        case idle
        /// In doubt: its look-up is due (or under way).
        case reconciling(OpenChunk)
        /// Refused after an earlier attempt that may have arrived: looking it up before the refusal is
        /// recorded as final.
        case confirmingRefusal(OpenChunk, refusal: ChunkTransition)
        /// Pending: its send is due (or under way).
        case sending(OpenChunk)
        /// A transition is being committed; `then` follows once it is.
        case recording(OpenChunk, then: Action)
        /// The run has ended.
        case stopped
    }

    private var state: State = .idle
    private var configuration: Configuration
    /// Failed attempts of the open chunk in this run.
    private var failures = 0
    /// Failed attempts of every chunk opened in this run, so that a chunk parked and opened again keeps
    /// counting towards `maxAttemptsPerRun` instead of starting over (which would retry it forever).
    private var failuresBySeq: [Int: Int] = [:]
    /// Refused requests in this run.
    private var rejections = 0
    /// The open chunk may have reached the API before (it was in doubt, or sent in an earlier run).
    private var mayHaveArrived = false

    /// Creates a machine with no chunk open.
    public init(configuration: Configuration) { self.configuration = configuration }

    /// A chunk was taken up at `now`.
    public mutating func chunkOpened(_ chunk: OpenChunk, now: Double) -> Action {
        guard case .idle = state else { return misuse("chunkOpened") }
        failures = failuresBySeq[chunk.seq] ?? 0
        mayHaveArrived = chunk.inDoubt || chunk.earlierAttempts > 0
        if chunk.inDoubt { return lookUpDue(chunk, now: now) }
        if chunk.recipients == 0 {
            return record(chunk, .accepted(campaignID: nil, messageID: nil, httpStatus: nil, how: .empty), then: .nextChunk)
        }
        return sendDue(chunk)
    }

    /// The open chunk is left as it stands, whatever the machine was doing with it: another host works on it
    /// now (a state several hosts share refused this host's intent or outcome). Nothing of it is recorded
    /// by this run; the machine is ready for the next chunk. A stopped run stays stopped.
    public mutating func chunkLeft() {
        if case .stopped = state { return }
        state = .idle
    }

    /// The send of a pending chunk, once its window allows: expired after the campaign's end, held back
    /// (not parked on the state: nothing is recorded) while its window is closed.
    private mutating func sendDue(_ chunk: OpenChunk) -> Action {
        switch chunk.window {
        case .ended:
            return record(chunk, .expired, then: .nextChunk)
        case .opensAt(let time):
            state = .idle
            return .awaitWindow(opensAt: time)
        case .neverOpens:
            state = .idle
            return .awaitWindow(opensAt: nil)
        case .open:
            state = .sending(chunk)
            return .send(notBefore: chunk.notBefore)
        }
    }

    /// A look-up ended with `finding`, at `now`.
    public mutating func lookUpFinished(_ finding: Reconciler.Finding, now: Double) -> Action {
        switch state {
        case .reconciling(let chunk):
            switch finding {
            case .ambiguous(let error):
                return recordAmbiguous(chunk, error, now: now)
            case .found(let campaignID, let messageID):
                return record(chunk, .accepted(campaignID: campaignID, messageID: messageID, httpStatus: nil, how: .reconciled), then: .nextChunk)
            case .absent:
                var pending = chunk
                pending.inDoubt = false
                pending.notBefore = nil
                // Proven never sent: past the campaign's end it expires instead of going now.
                if pending.window == .ended { return record(pending, .expired, then: .nextChunk) }
                return record(pending, .notProcessed(nil, notBefore: nil), then: .send(notBefore: nil))
            case .unproven(let end):
                state = .stopped
                return .stop(Self.dispatchEnd(end))
            }
        case .confirmingRefusal(let chunk, let refusal):
            switch finding {
            case .found(let campaignID, let messageID):
                // An earlier attempt arrived: the refusal was of a duplicate, and the chunk is sent.
                return record(chunk, .accepted(campaignID: campaignID, messageID: messageID, httpStatus: nil, how: .reconciled), then: .nextChunk)
            case .absent:
                return recordRefusal(chunk, refusal)
            case .ambiguous(let error):
                return recordAmbiguous(chunk, error, now: now)
            case .unproven(let end):
                state = .stopped
                return .stop(Self.dispatchEnd(end))
            }
        default:
            return misuse("lookUpFinished")
        }
    }

    /// The answer to the chunk's request (which began at `startedAt`), classified, arrived at `now`.
    public mutating func answerReceived(_ outcome: SendOutcome, httpStatus: Int?, startedAt: Double, now: Double) -> Action {
        guard case .sending(var chunk) = state else { return misuse("answerReceived") }
        chunk.lastAttemptAt = startedAt
        chunk.earlierAttempts += 1
        switch outcome {
        case .accepted(let campaignID, let messageID):
            return record(chunk, .accepted(campaignID: campaignID, messageID: messageID, httpStatus: httpStatus, how: .answered), then: .nextChunk)
        case .rejected(let error, let recipients):
            let refusal: ChunkTransition
            if chunk.endpoint == .sendBatch, !recipients.isEmpty, recipients.count < chunk.recipients,
               recipients.keys.allSatisfy({ $0 >= 0 && $0 < chunk.recipients })
            {
                refusal = .split(recipients: recipients, error)
            } else {
                refusal = .rejected(error)
            }
            if mayHaveArrived {
                state = .confirmingRefusal(chunk, refusal: refusal)
                return .lookUp(notBefore: nil)
            }
            return recordRefusal(chunk, refusal)
        case .notProcessed(let error, let retryAfter), .inDoubt(let error, let retryAfter):
            failures += 1
            failuresBySeq[chunk.seq] = failures
            let notBefore = now + configuration.backoff.delay(afterFailures: failures, retryAfter: retryAfter)
            let exhausted = failures >= configuration.maxAttemptsPerRun
            if case .inDoubt = outcome {
                mayHaveArrived = true
                var doubtful = chunk
                doubtful.inDoubt = true
                // Stored, so that the next run also waits for the attempt to settle.
                doubtful.notBefore = max(notBefore, startedAt + configuration.settleAfter)
                return record(doubtful, .inDoubt(error, notBefore: doubtful.notBefore ?? notBefore),
                              then: exhausted ? .stop(.retriesExhausted(error)) : .lookUp(notBefore: doubtful.notBefore))
            }
            var pending = chunk
            pending.notBefore = notBefore
            return record(pending, .notProcessed(error, notBefore: notBefore),
                          then: exhausted ? .stop(.retriesExhausted(error)) : .send(notBefore: notBefore))
        case .authentication(let error):
            return record(chunk, .notProcessed(error, notBefore: nil), then: .stop(.authentication(error)))
        case .insufficientFunds(let error):
            return record(chunk, .notProcessed(error, notBefore: nil), then: .stop(.insufficientFunds(error)))
        case .redirected(let error):
            // Nothing is marked: the chunk stays in flight, so the next run looks it up before any resend.
            state = .stopped
            return .stop(.misconfigured(error))
        }
    }

    /// The transition asked for was committed, at `now`.
    public mutating func recorded(now: Double) -> Action {
        guard case .recording(let chunk, let then) = state else { return misuse("recorded") }
        switch then {
        case .lookUp: return lookUpDue(chunk, now: now)
        case .send: state = .sending(chunk)
        case .nextChunk, .park: state = .idle
        case .stop: state = .stopped
        case .record, .awaitWindow: return misuse("recorded → \(then)")
        }
        return then
    }

    /// The look-up found neither the request nor its absence: a message to the same number from the same
    /// sender since the attempt began, with another text. It may be ours, altered by the API (trimmed,
    /// re-encoded, a footer added), so a resend could send it twice; or another campaign's, so calling
    /// it sent could lose it. Neither is proven: the chunk stays in doubt with the reason, is parked for
    /// `ambiguousRecheck`, and the run goes on with the other chunks. A person decides with
    /// `ziett-batch resolve` (docs/recovery.md).
    private mutating func recordAmbiguous(_ chunk: OpenChunk, _ error: RecordedError, now: Double) -> Action {
        var doubtful = chunk
        doubtful.inDoubt = true
        let until = now + configuration.ambiguousRecheck
        doubtful.notBefore = until
        return record(doubtful, .inDoubt(error, notBefore: until), then: .park(until: until))
    }

    /// The look-up of an in-doubt chunk once its last attempt has settled; until then the chunk is parked.
    ///
    /// Absence found before the attempt settled proves nothing (the API may still be working on it, or
    /// its lists may not show it yet), so no look-up is made before `lastAttemptAt + settleAfter`. A
    /// look-up that only waits for its backoff (`notBefore`) is not parked: the gate waits for it.
    private mutating func lookUpDue(_ chunk: OpenChunk, now: Double) -> Action {
        let settled = (chunk.lastAttemptAt ?? -.infinity) + configuration.settleAfter
        if settled > now {
            state = .idle
            return .park(until: max(chunk.notBefore ?? settled, settled))
        }
        // A look-up put off far (an ambiguous one, rechecked an hour later) must not hold up the other
        // chunks at the gate: parked like an unsettled one.
        if let notBefore = chunk.notBefore, notBefore > now + configuration.ambiguousRecheck / 2 {
            state = .idle
            return .park(until: notBefore)
        }
        state = .reconciling(chunk)
        return .lookUp(notBefore: chunk.notBefore)
    }

    /// The gate lets the due request leave only at `until`, after the longest wait a run sits through.
    public mutating func gateTooFar(until: Double) -> Action {
        state = .stopped
        return .stop(.waiting(until: until))
    }

    /// The gate lets the due request leave only when the chunk's send window opens again, at `opensAt`
    /// (nil: not in sight), and that is after the longest wait: the window closed while the request
    /// waited for its turn. The run ends; the chunk stays pending for the next run.
    public mutating func windowClosed(opensAt: Double?) -> Action {
        state = .stopped
        return .stop(.outsideWindow(nextOpening: opensAt))
    }

    /// A stop was requested (SIGTERM/SIGINT), or a request in flight was abandoned after the stop's grace
    /// period: the chunk stays as recorded (in flight: in doubt) for the next run.
    public mutating func stopRequested() -> Action {
        state = .stopped
        return .stop(.interrupted)
    }

    /// The error class of a look-up that proved nothing, as the end of the run.
    static func dispatchEnd(_ end: ListReader.End) -> DispatchEnd {
        switch end {
        case .finished, .interrupted: .interrupted
        case .waiting(let until): .waiting(until: until)
        case .authentication(let error): .authentication(error)
        case .failed(let error): .retriesExhausted(error)
        case .misconfigured(let error): .misconfigured(error)
        }
    }

    /// Records a final refusal; it counts towards `--max-errors` (a refusal a look-up showed to be of a
    /// duplicate does not).
    private mutating func recordRefusal(_ chunk: OpenChunk, _ refusal: ChunkTransition) -> Action {
        rejections += 1
        let then: Action = rejections >= (configuration.maxErrors ?? .max) ? .stop(.tooManyErrors(rejections)) : .nextChunk
        return record(chunk, refusal, then: then)
    }

    private mutating func record(_ chunk: OpenChunk, _ transition: ChunkTransition, then: Action) -> Action {
        state = .recording(chunk, then: then)
        return .record(transition)
    }

    /// An event that cannot happen in this state: a bug in the dispatcher. Stops the run rather than
    /// guessing; nothing unrecorded has been sent.
    private mutating func misuse(_ event: String) -> Action {
        assertionFailure("ChunkStateMachine: \(event) in state \(state)")
        state = .stopped
        return .stop(.retriesExhausted(RecordedError(httpStatus: nil, code: "INTERNAL", message: "unexpected \(event)")))
    }
}
