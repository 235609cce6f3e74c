public import Checkpoint
import Recipients
public import ZiettAPI

/// Computes the plan shown by `run --dry-run` and at the start of a run.
public struct PlanCalculator {
    let store: any StateStore
    let job: Job
    let maxRate: RateLimit?
    let counts: JobCounts?
    let messages: MessageStatistics?

    /// Segment totals of the pending personalised messages, all GSM-7, as counted while reading them.
    public struct MessageStatistics: Sendable, Equatable {
        /// SMS segments of all pending messages.
        public var segments: Int
        /// Pending messages longer than one segment.
        public var multiSegment: Int
    }

    /// Creates a calculator. `counts` and `messages`, when given (ingest just computed them), spare the
    /// scans of every pending row that would otherwise compute them.
    public init(
        store: any StateStore, job: Job, maxRate: RateLimit?, counts: JobCounts? = nil, messages: MessageStatistics? = nil
    ) {
        self.store = store
        self.job = job
        self.maxRate = maxRate
        self.counts = counts
        self.messages = messages
    }

    /// The plan of what is still to send.
    public func summary() throws -> PlanSummary {
        let counts = try self.counts ?? store.counts(jobID: job.id)
        let pending = counts.recipients(.pending)
        // The decision ingest recorded (personalised texts go one per request), without scanning rows for it.
        let personalised = messages != nil || job.sendingKind == .single
        var segments = 0
        var warnings: [String] = []
        var encoding = SMSEncoding.gsm7
        if let messages {
            segments = messages.segments
            if messages.multiSegment > 0 { warnings.append("\(messages.multiSegment) message(s) need more than one SMS segment") }
        } else if personalised {
            var firstUCS2: (Int, Character)?
            var multi = 0
            try store.forEachPendingPersonalisedMessage(jobID: job.id) { row, content in
                let analysis = SMSAnalysis(content)
                segments += analysis.segments
                if analysis.segments > 1 { multi += 1 }
                if analysis.encoding == .ucs2 {
                    encoding = SMSEncoding.ucs2
                    if firstUCS2 == nil, let c = analysis.firstNonGSMCharacter { firstUCS2 = (row, c) }
                }
            }
            if let (row, c) = firstUCS2 {
                warnings.append("some messages need UCS-2 (70 characters per SMS): first at row \(row), character \"\(c)\" (U+\(String(c.unicodeScalars.first!.value, radix: 16, uppercase: true)))")
            }
            if multi > 0 { warnings.append("\(multi) message(s) need more than one SMS segment") }
        } else {
            let analysis = SMSAnalysis(job.settings.message)
            encoding = analysis.encoding
            segments = analysis.segments * pending
            if let c = analysis.firstNonGSMCharacter {
                warnings.append("the message needs UCS-2 (70 characters per SMS) because of \"\(c)\" (U+\(String(c.unicodeScalars.first!.value, radix: 16, uppercase: true)))")
            }
            if analysis.segments > 1 { warnings.append("the message is \(analysis.segments) SMS segments long (\(analysis.units) \(encoding == .gsm7 ? "septets" : "UTF-16 units"))") }
        }
        let requests = counts.openRequests
        // Batches and single messages go side by side, each lane at its own limit, requests spaced evenly
        // across the key's budget (`KeyBudget`): the longer lane decides.
        let limits = SendLimits(job: job, maxRate: maxRate)
        let batchLimit = limits.batches, messageLimit = limits.messages
        let batchSeconds = Double(max(0, requests.batches - 1)) * batchLimit.interval
        let messageSeconds = Double(max(0, requests.messages - 1)) * messageLimit.interval
        // The endpoint named when only one is used: the one with requests (or, with none, the job's kind).
        let endpoint: ZiettEndpoint = requests.batches > 0 && (requests.messages == 0 || batchSeconds >= messageSeconds)
            ? .sendBatch : requests.messages > 0 || personalised ? .sendMessage : .sendBatch
        let limit = endpoint == .sendBatch ? batchLimit : messageLimit
        return PlanSummary(
            recipients: pending + counts.recipients(.sent), pending: pending, openChunks: requests.total,
            endpoint: endpoint, requests: requests, segments: segments,
            encoding: encoding.rawValue, warnings: warnings, rate: limit.description,
            batchRate: batchLimit.description, messageRate: messageLimit.description,
            estimatedSeconds: max(batchSeconds, messageSeconds))
    }
}
