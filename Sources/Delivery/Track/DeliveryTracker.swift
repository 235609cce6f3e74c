public import Checkpoint
import Foundation
public import Logging
public import ZiettAPI
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
    let logger: Logger
    let reader: ListReader

    /// Creates a tracker.
    public init(
        store: StateStore, job: Job, client: ZiettClient, readRate: RateLimit = .read, maxAttempts: Int = 6,
        maxWait: Double = 900, seed: UInt64 = 1, stop: StopFlag = StopFlag(), clock: any JobClock = SystemClock(),
        logger: Logger
    ) {
        self.store = store
        self.job = job
        self.logger = logger
        let gate = RequestGate(
            schedule: RequestSchedule(maxWait: maxWait, limits: [PacingBucket.reads: readRate]), clock: clock, stop: stop)
        reader = ListReader(
            client: client, gate: gate, maxAttempts: maxAttempts, backoff: Backoff(base: 1, cap: 60, seed: seed), logger: logger)
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
        report.pagesRead = reader.pagesRead
        report.delivery = try store.deliveryCounts(jobID: job.id)
        return report
    }

    /// Pages through one campaign's messages and records them; nil when done, else why it stopped.
    private func track(campaignID: String, report: inout TrackReport) async throws -> TrackReport.End? {
        var log = logger
        log[metadataKey: "campaign.id"] = "\(campaignID)"
        var updates: [DeliveryUpdate] = []
        let end = await reader.read(MessageListQuery(campaignID: campaignID)) { message in
            if let update = Self.update(message) { updates.append(update) }
            return true
        }
        if let stopped = Self.trackEnd(end) { return stopped }
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
                end = Self.trackEnd(await reader.read(MessageListQuery(search: id), take))
            }
        } else {
            let query = MessageListQuery(
                createdAtOrAfter: Date(timeIntervalSince1970: job.createdAt - 60), remitterID: job.settings.sender, channelType: "SMS")
            end = Self.trackEnd(await reader.read(query, take))
        }
        // Record what was found even when the pass stopped early: the next pass asks only for the rest.
        let changed = try store.recordDelivery(jobID: job.id, campaignID: nil, updates: updates)
        report.requestsChecked += messageIDs.count - wanted.count
        report.recipientsUpdated += changed
        report.unmatchedMessages += max(0, updates.count - changed)
        return end
    }

    /// A read's end as the pass's end; nil when the read finished.
    static func trackEnd(_ end: ListReader.End) -> TrackReport.End? {
        switch end {
        case .finished: nil
        case .interrupted: .interrupted
        case .authentication(let error): .authentication(error)
        case .failed(let error), .misconfigured(let error): .retriesExhausted(error)
        case .waiting(let until):
            .retriesExhausted(RecordedError(
                httpStatus: 429, code: "RATE_LIMITED",
                message: "the read budget is used up until \(Date(timeIntervalSince1970: until))"))
        }
    }

    /// A message as an update, when it names a number.
    static func update(_ message: Message) -> DeliveryUpdate? {
        guard let digits = message.e164?.phoneDigits else { return nil }
        return DeliveryUpdate(
            e164: digits, messageID: message.id, status: message.status.uppercased(), errorCode: message.errorCode, cost: message.cost)
    }
}
