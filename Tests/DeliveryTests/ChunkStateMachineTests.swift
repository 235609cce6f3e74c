import Checkpoint
import Delivery
import Foundation
import Testing
import ZiettAPI
import ZiettClient

/// Every row of docs/architecture.md's error-class table, and the reconciliation rules, as rules of the
/// pure state machine: no process, no socket, no clock. Answers are classified by the real
/// `SendOutcome.classify` from real response values, so a row tests the whole decision.
@Suite("Chunk state machine")
struct ChunkStateMachineTests {
    static let now = 1_000.0
    static let batch = ChunkStateMachine.OpenChunk(seq: 3, endpoint: .sendBatch, recipients: 4, inDoubt: false, notBefore: nil)

    /// A machine with a fixed backoff seed and a chunk already opened for sending.
    static func sending(
        _ chunk: ChunkStateMachine.OpenChunk = batch, maxAttempts: Int = 6, maxErrors: Int? = nil
    ) -> ChunkStateMachine {
        var machine = ChunkStateMachine(configuration: .init(
            maxAttemptsPerRun: maxAttempts, maxErrors: maxErrors, backoff: Backoff(base: 1, cap: 60, seed: 9)))
        #expect(machine.chunkOpened(chunk, now: Self.now) == .send(notBefore: chunk.notBefore))
        return machine
    }

    static func answer(_ status: Int, _ json: String = "{}", retryAfter: Double? = nil) -> SendOutcome {
        SendOutcome.classify(.success(ZiettHTTPResponse(status: status, retryAfter: retryAfter, body: Array(json.utf8))), for: .sendBatch)
    }

    static func error(_ status: Int, _ code: String) -> String {
        #"{"code":"\#(code)","message":"m","trace_id":"t-\#(status)"}"#
    }

    /// Another host took the chunk while this one sent it or recorded its answer (a shared state refused the
    /// intent or the outcome): the machine forgets it and takes the next chunk. Without `chunkLeft` the next
    /// `chunkOpened` is a misuse (a debug build traps, as three processes on one job once did).
    @Test func aChunkLeftToAnotherHostLeavesTheMachineReadyForTheNext() {
        var machine = Self.sending()
        // Mid-answer: the transition is being recorded when the state refuses it.
        let action = machine.answerReceived(Self.answer(202, #"{"campaign_id":"c-1"}"#), httpStatus: 202, startedAt: Self.now, now: Self.now)
        #expect(action == .record(.accepted(campaignID: "c-1", messageID: nil, httpStatus: 202, how: .answered)))
        machine.chunkLeft()
        let next = ChunkStateMachine.OpenChunk(seq: 4, endpoint: .sendBatch, recipients: 2, inDoubt: false, notBefore: nil)
        #expect(machine.chunkOpened(next, now: Self.now) == .send(notBefore: nil))
    }

    // MARK: The error-class table, row by row

    @Test func answer202WithACampaignIdIsRecordedAcceptedAndTheNextChunkFollows() {
        var machine = Self.sending()
        let action = machine.answerReceived(Self.answer(202, #"{"campaign_id":"c-1"}"#), httpStatus: 202, startedAt: Self.now, now: Self.now)
        #expect(action == .record(.accepted(campaignID: "c-1", messageID: nil, httpStatus: 202, how: .answered)))
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func answer2xxWithoutTheIdIsInDoubtAndLookedUpOnlyProofCountsAsSent() {
        var machine = Self.sending()
        guard case .record(.inDoubt(let error, let notBefore)) = machine.answerReceived(Self.answer(202, "null"), httpStatus: 202, startedAt: Self.now, now: Self.now) else {
            Issue.record("a 202 without an id must leave the chunk in doubt")
            return
        }
        #expect(error.code == "UNPROVEN_ACCEPTANCE")
        #expect(machine.recorded(now: Self.now) == .lookUp(notBefore: notBefore))
        #expect(machine.lookUpFinished(.found(campaignID: "c-9", messageID: nil), now: 100)
            == .record(.accepted(campaignID: "c-9", messageID: nil, httpStatus: nil, how: .reconciled)))
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func aRedirectStopsTheRunAsAConfigurationErrorAndMarksNothing() {
        var machine = Self.sending()
        let action = machine.answerReceived(Self.answer(302, "<html>moved</html>"), httpStatus: 302, startedAt: Self.now, now: Self.now)
        guard case .stop(.misconfigured(let error)) = action else {
            Issue.record("expected a configuration stop without a record, got \(action)")
            return
        }
        #expect(error.httpStatus == 302)
        #expect(DispatchEnd.misconfigured(error).exitStatus == .usage)
    }

    @Test(arguments: [401, 403])
    func answer401Or403PutsTheChunkBackToPendingAndStopsTheRunForTheKey(status: Int) {
        var machine = Self.sending()
        let action = machine.answerReceived(Self.answer(status, Self.error(status, "AUTH")), httpStatus: status, startedAt: Self.now, now: Self.now)
        guard case .record(.notProcessed(let error?, notBefore: nil)) = action else {
            Issue.record("expected not processed, got \(action)")
            return
        }
        #expect(error.httpStatus == status)
        #expect(machine.recorded(now: Self.now) == .stop(.authentication(error)))
        #expect(DispatchEnd.authentication(error).exitStatus == .authentication)
    }

    @Test func answer402PutsTheChunkBackToPendingAndStopsTheRunUntilTheBalanceIsToppedUp() {
        var machine = Self.sending()
        let action = machine.answerReceived(Self.answer(402, Self.error(402, "BILLING_INSUFFICIENT_FUNDS")), httpStatus: 402, startedAt: Self.now, now: Self.now)
        guard case .record(.notProcessed(let error?, notBefore: nil)) = action else {
            Issue.record("expected not processed, got \(action)")
            return
        }
        #expect(error.code == "BILLING_INSUFFICIENT_FUNDS")
        #expect(machine.recorded(now: Self.now) == .stop(.insufficientFunds(error)))
        #expect(DispatchEnd.insufficientFunds(error).exitStatus == .runAgainLater)
    }

    @Test func answer422NamingSomeRecipientsSplitsTheChunkAndTheRunGoesOn() {
        var machine = Self.sending()
        let json = #"{"code":"VALIDATION_ERROR","message":"m","fields":{"recipients[1]":"bad number"}}"#
        let action = machine.answerReceived(Self.answer(422, json), httpStatus: 422, startedAt: Self.now, now: Self.now)
        guard case .record(.split(let recipients, let error)) = action else {
            Issue.record("expected a split, got \(action)")
            return
        }
        #expect(recipients == [1: "bad number"])
        #expect(error.code == "VALIDATION_ERROR")
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func answer422NamingEveryRecipientOrNoneRejectsTheWholeChunk() {
        for fields in [#"{"content":"too long"}"#, #"{"recipients[0]":"a","recipients[1]":"b","recipients[2]":"c","recipients[3]":"d"}"#] {
            var machine = Self.sending()
            let json = #"{"code":"VALIDATION_ERROR","message":"m","fields":\#(fields)}"#
            guard case .record(.rejected(let error)) = machine.answerReceived(Self.answer(422, json), httpStatus: 422, startedAt: Self.now, now: Self.now) else {
                Issue.record("expected a rejection for \(fields)")
                continue
            }
            #expect(error.httpStatus == 422)
            #expect(machine.recorded(now: Self.now) == .nextChunk)
        }
    }

    @Test func a422NamingARecipientOfASingleMessageRejectsIt() {
        let single = ChunkStateMachine.OpenChunk(seq: 0, endpoint: .sendMessage, recipients: 1, inDoubt: false, notBefore: nil)
        var machine = Self.sending(single)
        let json = #"{"code":"VALIDATION_ERROR","message":"m","fields":{"recipients[0]":"bad"}}"#
        let outcome = SendOutcome.classify(.success(ZiettHTTPResponse(status: 422, body: Array(json.utf8))), for: .sendMessage)
        guard case .record(.rejected) = machine.answerReceived(outcome, httpStatus: 422, startedAt: Self.now, now: Self.now) else {
            Issue.record("expected a rejection")
            return
        }
    }

    @Test(arguments: [400, 404, 413])
    func otherFinalRefusalsRejectTheChunkAndMaxErrorsStopsTheRun(status: Int) {
        var machine = Self.sending(maxErrors: 2)
        guard case .record(.rejected(let error)) = machine.answerReceived(Self.answer(status, Self.error(status, "X")), httpStatus: status, startedAt: Self.now, now: Self.now) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(error.httpStatus == status)
        #expect(machine.recorded(now: Self.now) == .nextChunk)
        #expect(machine.chunkOpened(Self.batch, now: Self.now) == .send(notBefore: nil))
        _ = machine.answerReceived(Self.answer(status, Self.error(status, "X")), httpStatus: status, startedAt: Self.now, now: Self.now)
        #expect(machine.recorded(now: Self.now) == .stop(.tooManyErrors(2)))
        #expect(DispatchEnd.tooManyErrors(2).exitStatus == .dataError)
    }

    @Test(arguments: [429, 425])
    func answer429Or425IsNotProcessedAndRetriedAfterBackoffAndNeverBeforeRetryAfter(status: Int) {
        var machine = Self.sending()
        let action = machine.answerReceived(
            Self.answer(status, Self.error(status, "RATE_LIMITED"), retryAfter: 7), httpStatus: status, startedAt: Self.now, now: Self.now)
        guard case .record(.notProcessed(_?, notBefore: let notBefore?)) = action else {
            Issue.record("expected not processed with a retry time, got \(action)")
            return
        }
        // Attempt 1's backoff ceiling is 1 s, so the server's 7 s decides.
        #expect(notBefore == Self.now + 7)
        #expect(machine.recorded(now: Self.now) == .send(notBefore: notBefore))
    }

    @Test func aRefusedConnectionIsNotProcessedAndResentAfterBackoff() {
        var machine = Self.sending()
        let refused = SendOutcome.classify(.failure(ZiettTransportError(kind: .connect, message: "connection refused")), for: .sendBatch)
        guard case .record(.notProcessed(_?, notBefore: let notBefore?)) = machine.answerReceived(refused, httpStatus: nil, startedAt: Self.now, now: Self.now) else {
            Issue.record("expected not processed")
            return
        }
        #expect(notBefore >= Self.now && notBefore <= Self.now + 1)
        #expect(machine.recorded(now: Self.now) == .send(notBefore: notBefore))
    }

    @Test(arguments: [408, 409, 500, 502, 503, 504])
    func ambiguousAnswersLeaveTheChunkInDoubtAndItIsLookedUpNeverResent(status: Int) {
        var machine = Self.sending()
        let action = machine.answerReceived(Self.answer(status, Self.error(status, "E")), httpStatus: status, startedAt: Self.now, now: Self.now)
        guard case .record(.inDoubt(let error, let notBefore)) = action else {
            Issue.record("expected in doubt, got \(action)")
            return
        }
        #expect(error.httpStatus == status)
        #expect(notBefore >= Self.now && notBefore <= Self.now + 1)
        #expect(machine.recorded(now: Self.now) == .lookUp(notBefore: notBefore))
    }

    @Test(arguments: [ZiettTransportError.Kind.timeout, .connectionLost])
    func aTimeoutOrALostReplyLeavesTheChunkInDoubt(kind: ZiettTransportError.Kind) {
        var machine = Self.sending()
        let outcome = SendOutcome.classify(.failure(ZiettTransportError(kind: kind, message: "gone")), for: .sendBatch)
        guard case .record(.inDoubt(_, let notBefore)) = machine.answerReceived(outcome, httpStatus: nil, startedAt: Self.now, now: Self.now) else {
            Issue.record("expected in doubt")
            return
        }
        #expect(machine.recorded(now: Self.now) == .lookUp(notBefore: notBefore))
    }

    // MARK: Reconciliation

    @Test func aChunkFoundInFlightIsLookedUpFirstNoEarlierThanItsStoredTime() {
        var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
        var chunk = Self.batch
        chunk.inDoubt = true
        chunk.notBefore = 1_234
        // Without a settle time (0 here) the stored backoff is left to the gate: the look-up is due at 1234.
        #expect(machine.chunkOpened(chunk, now: Self.now) == .lookUp(notBefore: 1_234))
    }

    @Test func aLookUpThatFindsTheRequestRecordsItReconciledAndNeverSends() {
        var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
        var chunk = Self.batch
        chunk.inDoubt = true
        _ = machine.chunkOpened(chunk, now: Self.now)
        #expect(machine.lookUpFinished(.found(campaignID: "c-2", messageID: nil), now: 100)
            == .record(.accepted(campaignID: "c-2", messageID: nil, httpStatus: nil, how: .reconciled)))
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func aLookUpThatProvesAbsenceIsRecordedBeforeTheResend() {
        var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
        var chunk = Self.batch
        chunk.inDoubt = true
        _ = machine.chunkOpened(chunk, now: Self.now)
        #expect(machine.lookUpFinished(.absent, now: 100) == .record(.notProcessed(nil, notBefore: nil)))
        #expect(machine.recorded(now: Self.now) == .send(notBefore: nil))
    }

    /// Rule 8: the same number with another text is "unknown", not "absent": never resent, never marked
    /// sent; parked an hour while the run goes on, and parked again (not waited for at the gate) when a
    /// later run opens it before then.
    @Test func anAmbiguousLookUpIsParkedInDoubtNeitherResentNorMarkedSent() {
        var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
        var chunk = ChunkStateMachine.OpenChunk(seq: 5, endpoint: .sendMessage, recipients: 1, inDoubt: true, notBefore: nil)
        _ = machine.chunkOpened(chunk, now: Self.now)
        let why = RecordedError(httpStatus: nil, code: "AMBIGUOUS_MATCH", message: "other text")
        #expect(machine.lookUpFinished(.ambiguous(why), now: Self.now) == .record(.inDoubt(why, notBefore: Self.now + 3_600)))
        #expect(machine.recorded(now: Self.now) == .park(until: Self.now + 3_600))
        // The next run, ten minutes later: the look-up is not due yet, and the chunk does not hold up the others.
        var next = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
        chunk.notBefore = Self.now + 3_600
        #expect(next.chunkOpened(chunk, now: Self.now + 600) == .park(until: Self.now + 3_600))
    }

    @Test func aLookUpThatProvesNothingStopsTheRunAndNeverSendsBlind() {
        let failure = RecordedError(httpStatus: 503, code: "UNAVAILABLE", message: "down")
        let cases: [(ListReader.End, DispatchEnd)] = [
            (.failed(failure), .retriesExhausted(failure)),
            (.authentication(failure), .authentication(failure)),
            (.interrupted, .interrupted),
            (.waiting(until: 5_000), .waiting(until: 5_000)),
        ]
        for (end, expected) in cases {
            var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
            var chunk = Self.batch
            chunk.inDoubt = true
            _ = machine.chunkOpened(chunk, now: Self.now)
            #expect(machine.lookUpFinished(.unproven(end), now: 100) == .stop(expected))
        }
    }

    @Test func aChunkWithNoRecipientLeftIsRecordedEmptyWithoutARequest() {
        var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 1)))
        let empty = ChunkStateMachine.OpenChunk(seq: 1, endpoint: .sendBatch, recipients: 0, inDoubt: false, notBefore: nil)
        #expect(machine.chunkOpened(empty, now: Self.now) == .record(.accepted(campaignID: nil, messageID: nil, httpStatus: nil, how: .empty)))
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    // MARK: A refusal after a doubt is not final

    @Test func aRefusalOfAChunkSentBeforeIsLookedUpFirstAndAFindingMeansSent() {
        var chunk = Self.batch
        chunk.earlierAttempts = 1
        var machine = Self.sending(chunk)
        #expect(machine.answerReceived(Self.answer(422, Self.error(422, "VALIDATION_ERROR")), httpStatus: 422, startedAt: Self.now, now: Self.now) == .lookUp(notBefore: nil))
        #expect(machine.lookUpFinished(.found(campaignID: "c-1", messageID: nil), now: 100)
            == .record(.accepted(campaignID: "c-1", messageID: nil, httpStatus: nil, how: .reconciled)))
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func aRefusalAfterADoubtInThisRunIsFinalOnlyOnceTheLookUpProvesAbsence() {
        var machine = Self.sending()
        guard case .record(.inDoubt(_, let notBefore)) = machine.answerReceived(Self.answer(503, Self.error(503, "E")), httpStatus: 503, startedAt: Self.now, now: Self.now) else {
            Issue.record("expected in doubt")
            return
        }
        #expect(machine.recorded(now: Self.now) == .lookUp(notBefore: notBefore))
        _ = machine.lookUpFinished(.absent, now: 100)
        #expect(machine.recorded(now: Self.now) == .send(notBefore: nil))
        #expect(machine.answerReceived(Self.answer(422, Self.error(422, "VALIDATION_ERROR")), httpStatus: 422, startedAt: notBefore, now: notBefore) == .lookUp(notBefore: nil))
        guard case .record(.rejected(let error)) = machine.lookUpFinished(.absent, now: 100) else {
            Issue.record("absent after the look-up: the refusal is final")
            return
        }
        #expect(error.httpStatus == 422)
        #expect(machine.recorded(now: Self.now) == .nextChunk)
    }

    @Test func aSplitAfterADoubtWaitsForTheLookUpAndADuplicateRefusalDoesNotCountTowardsMaxErrors() {
        var chunk = Self.batch
        chunk.earlierAttempts = 1
        var machine = Self.sending(chunk, maxErrors: 1)
        let json = #"{"code":"VALIDATION_ERROR","message":"m","fields":{"recipients[2]":"bad"}}"#
        #expect(machine.answerReceived(Self.answer(422, json), httpStatus: 422, startedAt: Self.now, now: Self.now) == .lookUp(notBefore: nil))
        // Found: the earlier attempt arrived; not a refusal, so --max-errors 1 is not reached.
        _ = machine.lookUpFinished(.found(campaignID: "c-3", messageID: nil), now: 100)
        #expect(machine.recorded(now: Self.now) == .nextChunk)
        // The next chunk's refusal, absent at the API, is the first that counts: it splits and stops the run.
        #expect(machine.chunkOpened(chunk, now: Self.now) == .send(notBefore: nil))
        _ = machine.answerReceived(Self.answer(422, json), httpStatus: 422, startedAt: Self.now, now: Self.now)
        guard case .record(.split(let recipients, _)) = machine.lookUpFinished(.absent, now: 100) else {
            Issue.record("absent: the split is final")
            return
        }
        #expect(recipients == [2: "bad"])
        #expect(machine.recorded(now: Self.now) == .stop(.tooManyErrors(1)))
    }

    @Test func aSingleMessageIsAcceptedWithItsMessageIdAndInDoubtWithoutIt() {
        let single = ChunkStateMachine.OpenChunk(seq: 5, endpoint: .sendMessage, recipients: 1, inDoubt: false, notBefore: nil)
        var machine = Self.sending(single)
        let proven = SendOutcome.classify(.success(ZiettHTTPResponse(status: 202, body: Array(#"{"message_id":"m-7"}"#.utf8))), for: .sendMessage)
        #expect(machine.answerReceived(proven, httpStatus: 202, startedAt: Self.now, now: Self.now)
            == .record(.accepted(campaignID: nil, messageID: "m-7", httpStatus: 202, how: .answered)))
        var other = Self.sending(single)
        let unproven = SendOutcome.classify(.success(ZiettHTTPResponse(status: 202, body: Array(#"{"campaign_id":"c"}"#.utf8))), for: .sendMessage)
        guard case .record(.inDoubt) = other.answerReceived(unproven, httpStatus: 202, startedAt: Self.now, now: Self.now) else {
            Issue.record("a single message without its message id must stay in doubt")
            return
        }
    }

    @Test func aRefusalOfAFirstAttemptIsFinalAtOnce() {
        var machine = Self.sending()
        guard case .record(.rejected) = machine.answerReceived(Self.answer(422, Self.error(422, "V")), httpStatus: 422, startedAt: Self.now, now: Self.now) else {
            Issue.record("a first attempt's refusal needs no look-up")
            return
        }
    }

    @Test func aRefusalThatCannotBeConfirmedStopsTheRunWithTheChunkUntouched() {
        var chunk = Self.batch
        chunk.earlierAttempts = 2
        var machine = Self.sending(chunk)
        _ = machine.answerReceived(Self.answer(400, Self.error(400, "BAD")), httpStatus: 400, startedAt: Self.now, now: Self.now)
        #expect(machine.lookUpFinished(.unproven(.interrupted), now: 100) == .stop(.interrupted))
    }

    // MARK: Backoff, attempts, stops

    @Test func backoffGrowsWithinItsCeilingsAndTheRunStopsAfterMaxAttempts() {
        var machine = Self.sending(maxAttempts: 4)
        var now = Self.now
        var delays: [Double] = []
        for attempt in 1...4 {
            let action = machine.answerReceived(Self.answer(503, Self.error(503, "E")), httpStatus: 503, startedAt: now, now: now)
            guard case .record(.inDoubt(let error, let notBefore)) = action else {
                Issue.record("attempt \(attempt): \(action)")
                return
            }
            delays.append(notBefore - now)
            let next = machine.recorded(now: now)
            if attempt < 4 {
                #expect(next == .lookUp(notBefore: notBefore))
                now = notBefore
                #expect(machine.lookUpFinished(.absent, now: 100) == .record(.notProcessed(nil, notBefore: nil)))
                #expect(machine.recorded(now: now) == .send(notBefore: nil))
            } else {
                #expect(next == .stop(.retriesExhausted(error)))
            }
        }
        // Full jitter under the ceilings 1, 2, 4, 8 s; the same seed replays the same delays.
        for (index, delay) in delays.enumerated() { #expect(delay >= 0 && delay <= Double(1 << index)) }
        var replay = Backoff(base: 1, cap: 60, seed: 9)
        let replayed = (1...4).map { replay.delay(afterFailures: $0) }
        #expect(zip(delays, replayed).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func aStopOrAGateTooFarEndsTheRunWithTheChunkLeftAsRecorded() {
        var machine = Self.sending()
        #expect(machine.stopRequested() == .stop(.interrupted))
        var other = Self.sending()
        #expect(other.gateTooFar(until: 9_999) == .stop(.waiting(until: 9_999)))
        #expect(DispatchEnd.waiting(until: 9_999).exitStatus == .runAgainLater)
    }
}

@Suite("Request schedule")
struct RequestScheduleTests {
    @Test func notBeforeThePacerAndRetryAfterCombineIntoOneVerdict() {
        var schedule = RequestSchedule(maxWait: 100, limits: [ZiettEndpoint.sendBatch.pacingBucket: RateLimit(count: 2, window: 10)])
        #expect(schedule.gate(.sendBatch, now: 0) == .go)
        #expect(schedule.gate(.sendBatch, notBefore: 5, now: 0) == .wait(until: 5))
        schedule.record(.sendBatch, at: 0)
        schedule.record(.sendBatch, at: 1)
        guard case .wait(let until) = schedule.gate(.sendBatch, now: 2) else {
            Issue.record("the window is full: the verdict must be a wait")
            return
        }
        #expect(until > 10 && until < 10.2)
        schedule.observe(.sendBatch, retryAfter: 30, remaining: nil, reset: nil, now: 2)
        #expect(schedule.gate(.sendBatch, now: 2) == .wait(until: 32))
    }

    @Test func aWaitLongerThanMaxWaitIsTooFar() {
        var schedule = RequestSchedule(maxWait: 60)
        #expect(schedule.gate(.sendMessage, notBefore: 61, now: 0) == .tooFar(until: 61))
        #expect(schedule.gate(.sendMessage, notBefore: 60, now: 0) == .wait(until: 60))
    }

    @Test func everyReadSharesOneBudgetAndSendsHaveTheirOwn() {
        var schedule = RequestSchedule(maxWait: 1_000, limits: [PacingBucket.reads: RateLimit(count: 1, window: 10)])
        schedule.record(.listCampaigns, at: 0)
        guard case .wait = schedule.gate(.listMessages, now: 1) else {
            Issue.record("a campaign look-up must count against the message look-up's budget")
            return
        }
        #expect(schedule.gate(.sendBatch, now: 1) == .go)
    }

    @Test func theScheduleIsSeededWithEarlierRunsRequests() {
        var schedule = RequestSchedule(maxWait: 1_000, history: [ZiettEndpoint.sendBatch.pacingBucket: (0..<10).map(Double.init)])
        guard case .wait(let until) = schedule.gate(.sendBatch, now: 10) else {
            Issue.record("ten batches in the last minute: the eleventh must wait")
            return
        }
        #expect(until >= 60)
    }
}

@Suite("Settling before trusting absence")
struct SettleTests {
    static let settle = 60.0

    static func machine() -> ChunkStateMachine {
        ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 6, maxErrors: nil, backoff: Backoff(seed: 2), settleAfter: settle))
    }

    static func inDoubt(lastAttemptAt: Double?, notBefore: Double? = nil) -> ChunkStateMachine.OpenChunk {
        .init(seq: 1, endpoint: .sendMessage, recipients: 1, inDoubt: true, notBefore: notBefore, earlierAttempts: 1, lastAttemptAt: lastAttemptAt)
    }

    @Test func aChunkFoundInFlightSecondsAfterItsAttemptIsParkedUntilTheAttemptSettled() {
        var machine = Self.machine()
        // The run that sent it was killed 50 ms ago: the API may still be working on the request.
        #expect(machine.chunkOpened(Self.inDoubt(lastAttemptAt: 999.95), now: 1_000) == .park(until: 999.95 + Self.settle))
        // The machine is free for other chunks meanwhile.
        #expect(machine.chunkOpened(ChunkStateMachineTests.batch, now: 1_000) == .send(notBefore: nil))
    }

    @Test func aChunkIsLookedUpOnlyOnceItsAttemptHasSettled() {
        var machine = Self.machine()
        #expect(machine.chunkOpened(Self.inDoubt(lastAttemptAt: 1_000), now: 1_000 + Self.settle) == .lookUp(notBefore: nil))
        var other = Self.machine()
        #expect(other.chunkOpened(Self.inDoubt(lastAttemptAt: 1_000), now: 1_000 + Self.settle - 0.001) == .park(until: 1_000 + Self.settle))
    }

    @Test func anAmbiguousAnswerStoresTheSettleTimeSoTheNextRunWaitsToo() {
        var machine = Self.machine()
        let open = ChunkStateMachine.OpenChunk(seq: 2, endpoint: .sendBatch, recipients: 3, inDoubt: false, notBefore: nil)
        #expect(machine.chunkOpened(open, now: 1_000) == .send(notBefore: nil))
        let timeout = SendOutcome.classify(.failure(ZiettTransportError(kind: .timeout, message: "t")), for: .sendBatch)
        // Sent at 1000, timed out at 1030.
        guard case .record(.inDoubt(_, let notBefore)) = machine.answerReceived(timeout, httpStatus: nil, startedAt: 1_000, now: 1_030) else {
            Issue.record("expected in doubt")
            return
        }
        #expect(notBefore == 1_000 + Self.settle)
        #expect(machine.recorded(now: 1_030) == .park(until: 1_000 + Self.settle))
    }

    @Test func aChunkWithoutARecordedAttemptTimeIsLookedUpAtOnce() {
        var machine = Self.machine()
        #expect(machine.chunkOpened(Self.inDoubt(lastAttemptAt: nil), now: 1_000) == .lookUp(notBefore: nil))
    }
}

extension SettleTests {
    @Test func aChunkParkedAndOpenedAgainKeepsCountingItsFailuresSoTheRunEnds() {
        var machine = ChunkStateMachine(configuration: .init(maxAttemptsPerRun: 3, maxErrors: nil, backoff: Backoff(seed: 2), settleAfter: Self.settle))
        var now = 1_000.0
        var chunk = ChunkStateMachine.OpenChunk(seq: 4, endpoint: .sendBatch, recipients: 3, inDoubt: false, notBefore: nil)
        var ends: [ChunkStateMachine.Action] = []
        for _ in 0..<10 {
            var action = machine.chunkOpened(chunk, now: now)
            if case .lookUp = action {
                action = machine.lookUpFinished(.absent, now: 100)
                action = machine.recorded(now: now)
            }
            guard action == .send(notBefore: chunk.notBefore) || action == .send(notBefore: nil) else {
                Issue.record("expected a send, got \(action)")
                return
            }
            let failed = SendOutcome.classify(.success(ZiettHTTPResponse(status: 503, body: [])), for: .sendBatch)
            guard case .record(.inDoubt(_, let notBefore)) = machine.answerReceived(failed, httpStatus: 503, startedAt: now, now: now) else {
                Issue.record("expected in doubt")
                return
            }
            let next = machine.recorded(now: now)
            if case .stop = next {
                ends.append(next)
                break
            }
            #expect(next == .park(until: notBefore))
            // Opened again once it has settled, as the dispatcher does with a parked chunk.
            now = notBefore
            chunk = .init(seq: 4, endpoint: .sendBatch, recipients: 3, inDoubt: true, notBefore: notBefore, earlierAttempts: 1, lastAttemptAt: now - Self.settle)
        }
        #expect(ends.count == 1, "the third failure must end the run, not park the chunk again")
    }
}
