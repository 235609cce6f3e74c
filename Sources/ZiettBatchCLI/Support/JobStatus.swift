import Checkpoint
import Delivery
import Foundation
import Recipients
import ZiettAPI

/// One job's status, as `status` prints it in text and JSON.
struct JobStatus: Codable {
    var name: String
    var state: String
    var phase: String
    var csv: String
    var createdAt: String
    var rows: Int
    var recipients: [String: Int]
    var chunks: [String: Int]
    var throughput: ThroughputStatus
    var eta: ETA
    var delivery: [String: Int]
    var cost: CostStatus
    var lastError: LastError?
    var next: String
    /// Rows by libphonenumber number type (every valid number).
    var numberTypes: [String: Int] = [:]
    /// The send window's outlook (rows open now, waiting, the next opening), when the job has one.
    var window: WindowOutlook?
    /// Which host holds which chunk (a PostgreSQL state several hosts share; empty for a state file).
    var leases: [LeaseStatus] = []

    struct LeaseStatus: Codable {
        var chunk: Int
        var state: String
        var holder: String
        var until: String
        /// False once the lease has ended: any host may take the chunk (and looks it up first if in flight).
        var live: Bool
    }

    struct LastError: Codable {
        var chunk: Int
        var code: String
        var message: String
        var httpStatus: Int?
        var traceID: String?
    }

    struct ThroughputStatus: Codable {
        var requests: Int
        var recipientsAccepted: Int
        var firstRequestAt: String?
        var lastRequestAt: String?
        var perMinute: Double?
    }

    struct ETA: Codable {
        var rate: String
        var requestsLeft: Int
        var recipientsLeft: Int
        var seconds: Double
    }

    struct CostStatus: Codable {
        var total: Double
        var recipients: Int
    }

    static func make(store: any StateStore, job: Job, maxRate: RateLimit? = nil) throws -> JobStatus {
        let counts = try store.counts(jobID: job.id)
        var recipients: [String: Int] = [:]
        for status in RecipientStatus.allCases { recipients[status.rawValue] = counts.recipients(status) }
        var chunks: [String: Int] = [:]
        for state in ChunkState.allCases { chunks[state.rawValue] = counts.chunks(state) }
        let last = try store.lastError(jobID: job.id).map {
            LastError(chunk: $0.chunk, code: $0.error.code, message: $0.error.message, httpStatus: $0.error.httpStatus, traceID: $0.error.traceID)
        }
        let t = try store.throughput(jobID: job.id)
        let throughput = ThroughputStatus(
            requests: t.requests, recipientsAccepted: t.recipientsAccepted, firstRequestAt: t.firstRequestAt.map(Self.time),
            lastRequestAt: t.lastRequestAt.map(Self.time), perMinute: t.perMinute.map { ($0 * 10).rounded() / 10 })
        let open = counts.openChunks
        // Requests are spaced evenly across the key's budget (`KeyBudget`: 10/min is one every 6 s), as in
        // the plan. Batches and single messages (a job that groups texts sends both) go side by side: the
        // longer lane decides.
        func seconds(_ requests: Int, _ limit: RateLimit) -> Double { Double(max(0, requests - 1)) * limit.interval }
        let limits = SendLimits(job: job, maxRate: maxRate)
        let batchLimit = limits.batches, messageLimit = limits.messages
        let requests = counts.openRequests
        let rate = requests.batches > 0 && requests.messages > 0
            ? "\(batchLimit.description) (batches), \(messageLimit.description) (single messages)"
            : (requests.messages > 0 || (requests.batches == 0 && job.sendingKind == .single) ? messageLimit : batchLimit).description
        var eta = ETA(
            rate: rate, requestsLeft: open, recipientsLeft: counts.recipients(.pending),
            seconds: max(seconds(requests.batches, batchLimit), seconds(requests.messages, messageLimit)))
        let deliveryCounts = try store.deliveryCounts(jobID: job.id)
        let now = SystemClock(offset: SystemClock.testOffset(environment: ProcessInfo.processInfo.environment)).now()
        let outlook = try WindowOutlook.make(store: store, job: job, now: now)
        // Nothing may go now: the send starts when the next window opens.
        if let outlook, outlook.openNow == 0, let opening = outlook.nextOpening { eta.seconds += max(0, opening - now) }
        var next: String
        switch job.phase {
        case .ingesting: next = "continue reading the CSV from row \(job.ingestRows + 1), then send"
        case .complete:
            let final = deliveryCounts.byStatus.filter { SQLiteStateStore.finalDeliveryStatuses.contains($0.key) }.values.reduce(0, +)
            let open = counts.recipients(.sent) - final
            next = open > 0
                ? "nothing to send; `ziett-batch track` looks up the delivery of \(open) recipient(s) without a final status"
                : "nothing: the job is complete"
        case .planned:
            if counts.chunks(.inflight) > 0 {
                next = "look up \(counts.chunks(.inflight)) in-doubt request(s) at the API, then send \(counts.openChunks) request(s)"
            } else if counts.openChunks > 0 {
                next = "send \(counts.recipients(.pending)) recipient(s) in \(counts.openChunks) request(s)"
            } else {
                next = "mark the job complete"
            }
            if let outlook, counts.chunks(.inflight) == 0, outlook.openNow == 0, outlook.waiting > 0, let opening = outlook.nextOpening {
                next = "wait for the send window: \(outlook.waiting) recipient(s) wait, the next window opens at \(Self.time(opening))"
            } else if let outlook, outlook.ended {
                next = "expire the \(counts.recipients(.pending)) recipient(s) left: the campaign has ended"
            }
        }
        var status = JobStatus(
            name: job.name, state: store.location, phase: job.phase.rawValue, csv: job.settings.csvPath,
            createdAt: Self.time(job.createdAt), rows: counts.rows, recipients: recipients, chunks: chunks,
            throughput: throughput, eta: eta, delivery: deliveryCounts.byStatus,
            cost: CostStatus(total: deliveryCounts.totalCost, recipients: deliveryCounts.costed), lastError: last, next: next)
        status.numberTypes = try store.numberTypeCounts(jobID: job.id)
        status.window = outlook
        status.leases = try store.leases(jobID: job.id).map {
            LeaseStatus(chunk: $0.seq, state: $0.state.rawValue, holder: $0.holder, until: Self.time($0.expiresAt), live: $0.expiresAt > now)
        }
        return status
    }

    static func time(_ seconds: Double) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: seconds))
    }

    var text: String {
        var lines = ["job \(name)  [\(phase)]  \(csv)", "  state:      \(state)", "  created:    \(createdAt)"]
        let r = RecipientStatus.allCases.map { "\($0.rawValue) \(recipients[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        lines.append("  rows:       \(rows) (\(r))")
        let c = ChunkState.allCases.map { "\($0.rawValue) \(chunks[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        lines.append("  requests:   \(c)")
        if !numberTypes.isEmpty {
            let types = PhoneNumberType.allCases.compactMap { type in numberTypes[type.rawValue].map { "\(type.rawValue) \($0)" } }
            lines.append("  types:      " + types.joined(separator: ", "))
        }
        if let window { lines.append("  window:     \(window.text)") }
        for lease in leases {
            lines.append("  lease:      chunk \(lease.chunk) (\(lease.state)) held by \(lease.holder) \(lease.live ? "until" : "expired at") \(lease.until)")
        }
        if throughput.requests > 0 {
            var line = "  throughput: \(throughput.recipientsAccepted) recipient(s) accepted in \(throughput.requests) request(s)"
            if let perMinute = throughput.perMinute { line += ", \(Self.number(perMinute))/min" }
            if let first = throughput.firstRequestAt, let last = throughput.lastRequestAt { line += " (\(first) to \(last))" }
            lines.append(line)
        } else {
            lines.append("  throughput: no request sent yet")
        }
        if eta.requestsLeft > 0 {
            lines.append("  eta:        \(eta.recipientsLeft) recipient(s) in \(eta.requestsLeft) request(s) at \(eta.rate): \(DurationText.format(eta.seconds))")
        }
        if !delivery.isEmpty {
            let order = ["DELIVERED", "SENT", "PENDING", "FAILED", "UNDELIVERED", "EXPIRED", "REJECTED", "CANCELLED"]
            let known = order.filter { delivery[$0] != nil } + delivery.keys.filter { !order.contains($0) && $0 != "unknown" }.sorted()
            var parts = known.map { "\($0.lowercased()) \(delivery[$0] ?? 0)" }
            if let unknown = delivery["unknown"] { parts.append("not tracked \(unknown)") }
            var line = "  delivery:   " + parts.joined(separator: ", ")
            if cost.recipients > 0 { line += "; cost \(Self.number(cost.total)) (\(cost.recipients) recipient(s))" }
            lines.append(line)
        }
        if let lastError {
            lines.append("  last error: chunk \(lastError.chunk): \(lastError.code)\(lastError.httpStatus.map { " (HTTP \($0))" } ?? ""): \(lastError.message)\(lastError.traceID.map { " [trace \($0)]" } ?? "")")
        }
        lines.append("  next run:   \(next)")
        return lines.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
