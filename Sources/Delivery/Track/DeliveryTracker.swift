public import Checkpoint
import Foundation
public import Logging
import ZiettAPI
public import ZiettClient

/// Looks up what became of every accepted request of a job and records each recipient's delivery
/// status, error code and cost in the state.
///
/// Batches are paged with `GET /messages?campaign_id=<id>&order=asc&size=200`, single messages with
/// `GET /messages?q=<message id>` (exact id match). Every `GET` goes through a `SlidingWindowPacer` at the
/// documented read limit, and `Retry-After` is honoured. Messages are matched to recipients by E.164
/// within their campaign. Requests whose recipients all have a final status are not asked again, so a
/// cron line that runs `track` every few minutes costs nothing once the job has settled.
public final class DeliveryTracker {
    let store: StateStore
    let job: Job
    let client: ZiettClient
    let stop: StopFlag
    let logger: Logger
    let maxAttempts: Int
    let maxWait: Double
    private var pacer: SlidingWindowPacer
    private var backoff: Backoff

    /// Creates a tracker.
    public init(
        store: StateStore, job: Job, client: ZiettClient, readRate: RateLimit = .read, maxAttempts: Int = 6,
        maxWait: Double = 900, seed: UInt64 = 1, stop: StopFlag = StopFlag(), logger: Logger
    ) {
        self.store = store
        self.job = job
        self.client = client
        self.stop = stop
        self.logger = logger
        self.maxAttempts = maxAttempts
        self.maxWait = maxWait
        pacer = SlidingWindowPacer(limit: readRate)
        backoff = Backoff(base: 1, cap: 60, seed: seed)
    }

    /// Single messages up to this count are looked up one by one (`?q=<id>`); more are found by one
    /// scan of the messages created since the job began, 200 per page.
    public var singleLookupLimit = 3

    /// Looks up every accepted request that still has recipients without a final status.
    public func run() async throws -> TrackReport {
        var report = TrackReport(end: .complete)
        var singles: [String] = []
        for target in try store.trackTargets(jobID: job.id) {
            guard target.open > 0 else {
                report.requestsSkipped += 1
                continue
            }
            if let campaignID = target.campaignID {
                if let end = try await track(campaignID: campaignID, report: &report) {
                    report.end = end
                    break
                }
            } else if let messageID = target.messageID {
                singles.append(messageID)
            }
        }
        if report.end == .complete, !singles.isEmpty, let end = try await track(messageIDs: singles, report: &report) {
            report.end = end
        }
        try finish(&report)
        return report
    }

    /// Pages through one campaign's messages and records them; nil when done, else why it stopped.
    private func track(campaignID: String, report: inout TrackReport) async throws -> TrackReport.End? {
        var log = logger
        log[metadataKey: "campaign.id"] = "\(campaignID)"
        let query = [("campaign_id", campaignID), ("order", "asc"), ("order_by", "created_at"), ("size", "\(Page<Message>.maximumSize)")]
        var updates: [DeliveryUpdate] = []
        if let end = await pages(query, report: &report, { message in
            if let update = Self.update(message) { updates.append(update) }
            return true
        }) { return end }
        let changed = try store.recordDelivery(jobID: job.id, campaignID: campaignID, updates: updates)
        report.requestsChecked += 1
        report.recipientsUpdated += changed
        report.unmatchedMessages += max(0, updates.count - changed)
        log.debug("campaign looked up", metadata: ["messages": "\(updates.count)", "recipients.updated": "\(changed)"])
        return nil
    }

    /// Looks up single messages: one by one when few, else by one scan of the job's time range.
    private func track(messageIDs: [String], report: inout TrackReport) async throws -> TrackReport.End? {
        var wanted = Set(messageIDs)
        var updates: [DeliveryUpdate] = []
        func take(_ message: Message) -> Bool {
            if wanted.remove(message.id) != nil, let update = Self.update(message) { updates.append(update) }
            return !wanted.isEmpty
        }
        var end: TrackReport.End?
        if messageIDs.count <= singleLookupLimit {
            for id in messageIDs where end == nil {
                let query = [("q", id), ("size", "\(Page<Message>.maximumSize)")]
                end = await pages(query, report: &report, take)
            }
        } else {
            let since = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: (job.createdAt - 60).rounded(.down)))
            let query = [
                ("created_at__ge", since), ("sms_remitter_id", job.settings.sender), ("channel_type", "SMS"),
                ("order", "asc"), ("order_by", "created_at"), ("size", "\(Page<Message>.maximumSize)"),
            ]
            end = await pages(query, report: &report, take)
        }
        // Record what was found even when the pass stopped early: the next pass asks only for the rest.
        let changed = try store.recordDelivery(jobID: job.id, campaignID: nil, updates: updates)
        report.requestsChecked += messageIDs.count - wanted.count
        report.recipientsUpdated += changed
        report.unmatchedMessages += max(0, updates.count - changed)
        return end
    }

    /// Reads every page of a `GET /messages` query, handing each entry to `body` until it returns false.
    private func pages(_ query: [(String, String)], report: inout TrackReport, _ body: (Message) -> Bool) async -> TrackReport.End? {
        var page = 1
        while true {
            switch await fetch(query + [("page", "\(page)")], report: &report) {
            case .stop(let end):
                return end
            case .page(let list):
                for message in list.entries where !body(message) { return nil }
                if page >= list.pages || list.entries.isEmpty { return nil }
                page += 1
            }
        }
    }

    /// A message as an update, when it names a number.
    static func update(_ message: Message) -> DeliveryUpdate? {
        guard let digits = message.e164.flatMap(digits) else { return nil }
        return DeliveryUpdate(
            e164: digits, messageID: message.id, status: message.status.uppercased(), errorCode: message.errorCode, cost: message.cost)
    }

    private func finish(_ report: inout TrackReport) throws {
        report.delivery = try store.deliveryCounts(jobID: job.id)
    }

    private enum Fetch {
        case page(Page<Message>)
        case stop(TrackReport.End)
    }

    /// One paced `GET /messages`, retried with backoff on 429/5xx/timeouts.
    private func fetch(_ query: [(String, String)], report: inout TrackReport) async -> Fetch {
        var failures = 0
        while true {
            if stop.isRequested { return .stop(.interrupted) }
            let at = pacer.earliestSend(now: StateStore.now())
            if at - StateStore.now() > maxWait {
                return .stop(.retriesExhausted(RecordedError(httpStatus: 429, code: "RATE_LIMITED", message: "the read budget is used up")))
            }
            guard await stop.sleep(until: at) else { return .stop(.interrupted) }
            pacer.recordSend(at: StateStore.now())
            report.pagesRead += 1
            let result = await client.listMessages(query)
            if case .success(let response) = result {
                pacer.observe(
                    retryAfter: response.retryAfter, remaining: response.rateLimitRemaining, reset: response.rateLimitReset,
                    now: StateStore.now())
                if response.isSuccess, let page = response.decode(Page<Message>.self) { return .page(page) }
            }
            let error: RecordedError
            var retryAfter: Double?
            switch SendOutcome.classify(result) {
            case .authentication(let e):
                return .stop(.authentication(e))
            case .notProcessed(let e, let after), .inDoubt(let e, let after):
                error = e
                retryAfter = after
            case .rejected(let e, _), .insufficientFunds(let e):
                // A refused query (422, 404) will not succeed by asking again.
                return .stop(.retriesExhausted(e))
            case .accepted:
                error = RecordedError(httpStatus: result.status, code: "UNREADABLE_LIST", message: "the list answer could not be decoded")
            }
            failures += 1
            logger.warning("look-up failed: \(error.summary)", metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
            if failures >= maxAttempts { return .stop(.retriesExhausted(error)) }
            let delay = backoff.delay(afterFailures: failures, retryAfter: retryAfter)
            guard await stop.sleep(until: StateStore.now() + delay) else { return .stop(.interrupted) }
        }
    }

    /// The digits of an E.164 string (`+244923456789` → 244923456789).
    static func digits(_ e164: String) -> UInt64? {
        let digits = e164.filter(\.isNumber)
        return digits.isEmpty ? nil : UInt64(digits)
    }
}
