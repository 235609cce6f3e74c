// Public initialisers for result types declared beside the SQLite queries that fill them, so that another
// backend (PostgresCheckpoint) can return the same values. Their synthesized memberwise initialisers are
// internal and cannot be redeclared from another file, hence the labels below.

extension JobCounts {
    /// Creates counts; the open chunks are the pending and in-flight ones of `chunks`, as
    /// `StateStore.counts(jobID:)` and `plannedCounts(rows:requests:)` compute them.
    public init(rows: Int, recipients: [String: Int], chunks: [String: Int], openRequests: RequestCount) {
        self.init(
            rows: rows, recipients: recipients, chunks: chunks,
            openChunks: (chunks[ChunkState.pending.rawValue] ?? 0) + (chunks[ChunkState.inflight.rawValue] ?? 0),
            openRequests: openRequests)
    }
}

extension RequeueSummary {
    /// Creates the result of a re-queue: `requeued` rows made pending again, `heldBack` left in doubt.
    public init(requeuing requeued: Int, holdingBack heldBack: Int) {
        self.init(requeued: requeued, heldBack: heldBack)
    }
}

extension TrackTarget {
    /// Creates a batch to track: `recipients` sent in campaign `campaignID`, `open` of them without a final status.
    public init(campaign campaignID: String, batchName name: String?, sentRecipients recipients: Int, openRecipients open: Int) {
        self.init(campaignID: campaignID, name: name, recipients: recipients, open: open)
    }
}

extension DeliveryCounts {
    /// Creates delivery counts: sent recipients by delivery status, the sum of the known costs and how many had one.
    public init(statuses byStatus: [String: Int], cost totalCost: Double, costedRecipients costed: Int) {
        self.init(byStatus: byStatus, totalCost: totalCost, costed: costed)
    }
}

extension Throughput {
    /// Creates a throughput: requests made, recipients accepted, first request's start and last request's end.
    public init(requestCount requests: Int, accepted recipientsAccepted: Int, firstAt firstRequestAt: Double?, lastAt lastRequestAt: Double?) {
        self.init(requests: requests, recipientsAccepted: recipientsAccepted, firstRequestAt: firstRequestAt, lastRequestAt: lastRequestAt)
    }
}

extension RecipientDelivery {
    /// Creates a recipient's tracked delivery: the API's status, error code and cost, each nil until tracked.
    public init(deliveryStatus status: String?, deliveryError error: String?, deliveryCost cost: String?) {
        self.init(status: status, error: error, cost: cost)
    }
}
