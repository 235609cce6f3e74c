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
    let store: any StateStore
    let job: Job
    let logger: Logger
    let reader: ListReader

    /// Creates a tracker.
    public init(
        store: any StateStore, job: Job, client: ZiettClient, readRate: RateLimit = .read, maxAttempts: Int = 6,
        maxWait: Double = 900, seed: UInt64 = 1, stop: StopFlag = StopFlag(), clock: any JobClock = SystemClock(),
        budget: KeyBudget? = nil, logger: Logger
    ) {
        self.store = store
        self.job = job
        self.logger = logger
        let gate = RequestGate(
            schedule: RequestSchedule(maxWait: maxWait, limits: [PacingBucket.reads: readRate]), clock: clock, stop: stop,
            budget: budget)
        reader = ListReader(
            client: client, gate: gate, maxAttempts: maxAttempts, backoff: Backoff(base: 1, cap: 60, seed: seed), logger: logger)
    }

    /// How far the API's clock may be behind ours (seconds): the scan of single messages starts this much
    /// before the earliest open request began.
    public var clockSkewMargin: Double = 300

    /// Single messages up to this count (or up to the pages a scan would read, if more) are looked up one
    /// by one (`?q=<id>`); more are found by one scan of the messages created since the earliest open one,
    /// 200 per page.
    public var singleLookupLimit = 3

    /// Looks up every accepted request that still has recipients without a final status.
    public func run() async throws -> TrackReport {
        var report = TrackReport(end: .complete)
        for target in try store.trackTargets(jobID: job.id) {
            guard target.open > 0 else {
                report.requestsSkipped += 1
                continue
            }
            if let end = try await track(target, report: &report) {
                report.end = end
                break
            }
        }
        if report.end == .complete {
            // One read per message, or one per 200 messages from the sender since the earliest open one: the
            // scan also pages through every batch recipient's message sent since (a job that groups texts
            // sends both), so it is chosen only when it takes fewer reads.
            let since = try store.earliestOpenSingleAttempt(jobID: job.id).map { $0 - clockSkewMargin } ?? 0
            let scanPages = try store.acceptedRecipients(jobID: job.id, since: since) / 200 + 1
            let lookups = max(singleLookupLimit, scanPages)
            let open = try store.openSingleMessages(jobID: job.id, limit: lookups + 1)
            if !open.isEmpty {
                let end = open.count <= lookups
                    ? try await track(messageIDs: open, report: &report)
                    : try await scanSingleMessages(report: &report)
                if let end { report.end = end }
            }
        }
        report.pagesRead = reader.pagesRead
        report.delivery = try store.deliveryCounts(jobID: job.id)
        return report
    }

    /// Pages through one campaign's messages and records them; then, if some recipients still have no
    /// final status, reads the campaign itself: one that ended `FAILED` or `CANCELLED` (e.g. its funds
    /// check failed after the 202) has no messages for them, and they are recorded as not delivered with
    /// the campaign's error code rather than left looking "sent". Nil when done, else why it stopped.
    private func track(_ target: TrackTarget, report: inout TrackReport) async throws -> TrackReport.End? {
        var log = logger
        log[metadataKey: "campaign.id"] = "\(target.campaignID)"
        var updates: [DeliveryUpdate] = []
        let end = await reader.read(MessageListQuery(campaignID: target.campaignID)) { message in
            if let update = Self.update(message) { updates.append(update) }
            return true
        }
        if let stopped = Self.trackEnd(end) { return stopped }
        let changed = try store.recordDelivery(jobID: job.id, campaignID: target.campaignID, updates: updates)
        report.requestsChecked += 1
        report.recipientsUpdated += changed
        report.unmatchedMessages += max(0, updates.count - changed)
        log.debug("campaign looked up", metadata: ["messages": "\(updates.count)", "recipients.updated": "\(changed)"])

        guard let name = target.name, try store.openRecipients(jobID: job.id, campaignID: target.campaignID) > 0 else { return nil }
        var campaign: Campaign?
        let lookUp = await reader.read(CampaignListQuery(search: name)) { found in
            if found.id == target.campaignID || found.name == name { campaign = found }
            return campaign == nil
        }
        if let stopped = Self.trackEnd(lookUp) { return stopped }
        if let campaign, let status = Self.undelivered(campaign.status) {
            let reason = campaign.errorCode ?? "CAMPAIGN_\(status)"
            let ended = try store.recordCampaignOutcome(jobID: job.id, campaignID: target.campaignID, status: status, reason: reason)
            report.recipientsUpdated += ended
            log.warning("campaign ended without delivering", metadata: ["status": "\(status)", "reason": "\(reason)", "recipients": "\(ended)"])
        }
        return nil
    }

    /// The delivery status the recipients of a campaign in `status` get: `FAILED` or `CANCELLED` campaigns
    /// deliver nothing more; nil for every other status (still working, or done).
    static func undelivered(_ status: String) -> String? {
        switch status.uppercased() {
        case "FAILED": "FAILED"
        case "CANCELLED", "CANCELED": "CANCELLED"
        default: nil
        }
    }

    /// Looks up a few single messages one by one, by id.
    private func track(messageIDs: [String], report: inout TrackReport) async throws -> TrackReport.End? {
        var wanted = Set(messageIDs)
        var updates: [DeliveryUpdate] = []
        var end: TrackReport.End?
        for id in messageIDs where end == nil {
            end = Self.trackEnd(await reader.read(MessageListQuery(search: id)) { message in
                if wanted.remove(message.id) != nil, let update = Self.update(message) { updates.append(update) }
                return !wanted.isEmpty
            })
        }
        // Record what was found even when the pass stopped early: the next pass asks only for the rest.
        let changed = try store.recordDelivery(jobID: job.id, campaignID: nil, updates: updates)
        report.requestsChecked += messageIDs.count - wanted.count
        report.recipientsUpdated += changed
        report.unmatchedMessages += max(0, updates.count - changed)
        return end
    }

    /// Scans the sender's messages, oldest first, from the start of the earliest request whose message
    /// has no final status yet (less `clockSkewMargin`), and records each page as it arrives: memory stays
    /// one page whatever the number of single messages, and a pass that stops (interrupted, killed, out of
    /// read budget) loses at most a page. The start needs no cursor of its own: it moves forward by itself
    /// as messages settle, so the next pass resumes where this one stopped.
    private func scanSingleMessages(report: inout TrackReport) async throws -> TrackReport.End? {
        guard let earliest = try store.earliestOpenSingleAttempt(jobID: job.id) else { return nil }
        let query = MessageListQuery(
            createdAtOrAfter: Date(timeIntervalSince1970: earliest - clockSkewMargin), remitterID: job.settings.sender,
            channelType: "SMS")
        var page: [DeliveryUpdate] = []
        var failure: (any Error)?
        var changedTotal = 0
        func flush() -> Bool {
            guard !page.isEmpty else { return true }
            do {
                changedTotal += try store.recordDelivery(jobID: job.id, campaignID: nil, updates: page)
                page.removeAll(keepingCapacity: true)
                return true
            } catch {
                failure = error
                return false
            }
        }
        let end = await reader.read(query) { message in
            if let update = Self.update(message) { page.append(update) }
            return page.count < Page<Message>.maximumSize || flush()
        }
        _ = flush()
        if let failure { throw failure }
        report.recipientsUpdated += changedTotal
        report.requestsChecked += changedTotal
        return Self.trackEnd(end)
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
