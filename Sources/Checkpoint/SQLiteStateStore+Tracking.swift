import SQLite

/// What the API says became of one accepted message, as `track` records it.
public struct DeliveryUpdate: Sendable, Equatable {
    /// The recipient's E.164 digits (matching within the campaign).
    public var e164: UInt64
    /// The API's message id.
    public var messageID: String
    /// `PENDING`, `SENT`, `DELIVERED`, `FAILED`, `UNDELIVERED`, `EXPIRED`, `REJECTED`, `CANCELLED`, …
    public var status: String
    /// The delivery `error_code`, when given.
    public var errorCode: String?
    /// The cost as the API's decimal string, when given.
    public var cost: String?

    /// Creates an update.
    public init(e164: UInt64, messageID: String, status: String, errorCode: String?, cost: String?) {
        self.e164 = e164
        self.messageID = messageID
        self.status = status
        self.errorCode = errorCode
        self.cost = cost
    }
}

/// One batch the API accepted, and how much of it still awaits a final delivery status.
public struct TrackTarget: Sendable, Equatable {
    /// The campaign id.
    public var campaignID: String
    /// The batch name it was sent with (to read the campaign's own status).
    public var name: String?
    /// Sent recipients in it.
    public var recipients: Int
    /// Of those, recipients without a final delivery status yet.
    public var open: Int
}

/// Delivery counts of one job, for `status` and the summary.
public struct DeliveryCounts: Sendable, Equatable, Codable {
    /// Sent recipients by delivery status (`unknown` when never tracked).
    public var byStatus: [String: Int]
    /// Sum of the known costs.
    public var totalCost: Double
    /// Recipients with a known cost.
    public var costed: Int

    /// Recipients with `status` (upper case, as the API writes it).
    public func count(_ status: String) -> Int { byStatus[status] ?? 0 }
}

extension SQLiteStateStore {
    /// Delivery statuses after which a message never changes again (an inference from the docs).
    public static let finalDeliveryStatuses: Set<String> = ["DELIVERED", "FAILED", "UNDELIVERED", "EXPIRED", "REJECTED", "CANCELLED"]

    /// The accepted batches of a job, with how many of their recipients still lack a final status (one row
    /// per batch: at most a thousandth of the recipients).
    public func trackTargets(jobID: Int64) throws -> [TrackTarget] {
        try database.query(
            """
            SELECT c.campaign_id, c.name, count(r.row),
                   sum(CASE WHEN r.delivery_status IN (\(Self.finalsList)) THEN 0 ELSE 1 END)
            FROM chunk c JOIN recipient r ON r.job_id = c.job_id AND r.chunk = c.seq AND r.status = 'sent'
            WHERE c.job_id = ? AND c.state = 'accepted' AND c.campaign_id IS NOT NULL
            GROUP BY c.seq ORDER BY c.seq
            """, [.int(jobID)]
        ) { TrackTarget(campaignID: $0.text(0), name: $0.optionalText(1), recipients: $0.int(2), open: $0.int(3)) }
    }

    /// The message ids of up to `limit` sent single messages without a final status, oldest first; how
    /// `track` decides between asking for a few by id and scanning the job's messages page by page.
    public func openSingleMessages(jobID: Int64, limit: Int) throws -> [String] {
        try database.query(
            """
            SELECT message_id FROM recipient
            WHERE job_id = ? AND status = 'sent' AND campaign_id IS NULL AND message_id IS NOT NULL
                AND (delivery_status IS NULL OR delivery_status NOT IN (\(Self.finalsList)))
            ORDER BY row LIMIT ?
            """, [.int(jobID), .int(limit)]) { $0.text(0) }
    }

    /// Sent recipients of `campaignID` without a final delivery status.
    public func openRecipients(jobID: Int64, campaignID: String) throws -> Int {
        Int(try database.scalar(
            """
            SELECT count(*) FROM recipient WHERE job_id = ? AND status = 'sent' AND campaign_id = ?
                AND (delivery_status IS NULL OR delivery_status NOT IN (\(Self.finalsList)))
            """, [.int(jobID), .text(campaignID)]))
    }

    /// Records a campaign that ended without delivering (`FAILED`, `CANCELLED`): every recipient of it
    /// without a final status gets `status` and `reason` (the campaign's error code), so none is left
    /// looking "sent" when it never went out. Returns how many recipients changed.
    @discardableResult
    public func recordCampaignOutcome(jobID: Int64, campaignID: String, status: String, reason: String) throws -> Int {
        try database.transaction {
            try database.run(
                """
                UPDATE recipient SET delivery_status = ?, delivery_error = ?, updated_at = ?
                WHERE job_id = ? AND status = 'sent' AND campaign_id = ?
                    AND (delivery_status IS NULL OR delivery_status NOT IN (\(Self.finalsList)))
                """, [.text(status), .text(reason), .double(clock.now()), .int(jobID), .text(campaignID)])
            return database.changes
        }
    }

    /// When the earliest request of a sent single message without a final status began (Unix seconds),
    /// nil when none is open: no such message can have been created before it, so `track`'s scan starts
    /// there (less a clock-skew margin) and moves on by itself as messages settle.
    public func earliestOpenSingleAttempt(jobID: Int64) throws -> Double? {
        try database.first(
            """
            SELECT min(c.last_attempt_at) FROM recipient r JOIN chunk c ON c.job_id = r.job_id AND c.seq = r.chunk
            WHERE r.job_id = ? AND r.status = 'sent' AND r.campaign_id IS NULL AND r.message_id IS NOT NULL
                AND (r.delivery_status IS NULL OR r.delivery_status NOT IN (\(Self.finalsList)))
            """, [.int(jobID)]) { $0.optionalDouble(0) } ?? nil
    }

    /// Recipients accepted in requests whose last attempt was at or after `time`: what a scan of the API's
    /// messages from then on pages through, batch recipients included (`DeliveryTracker`).
    public func acceptedRecipients(jobID: Int64, since time: Double) throws -> Int {
        Int(try database.scalar(
            "SELECT coalesce(sum(size), 0) FROM chunk WHERE job_id = ? AND state = 'accepted' AND last_attempt_at >= ?",
            [.int(jobID), .double(time)]))
    }

    static var finalsList: String { finalDeliveryStatuses.sorted().map { "'\($0)'" }.joined(separator: ",") }

    /// Records delivery statuses: of one campaign's recipients, matched by E.164 within it; or, with no
    /// campaign, of single messages, matched by E.164 and message id. Returns how many recipients were
    /// updated.
    @discardableResult
    public func recordDelivery(jobID: Int64, campaignID: String?, updates: [DeliveryUpdate]) throws -> Int {
        let now = clock.now()
        return try database.transaction {
            var changed = 0
            let sql = campaignID != nil
                ? """
                  UPDATE recipient SET delivery_status = ?, delivery_error = ?, cost = ?, message_id = ?, updated_at = ?
                  WHERE job_id = ? AND status = 'sent' AND e164 = ? AND campaign_id = ?
                  """
                : """
                  UPDATE recipient SET delivery_status = ?, delivery_error = ?, cost = ?, message_id = ?, updated_at = ?
                  WHERE job_id = ? AND status = 'sent' AND e164 = ? AND message_id = ?
                  """
            let statement = try database.cached(sql)
            for update in updates {
                statement.reset()
                try statement.bind([
                    .text(update.status), .optional(update.errorCode), .optional(update.cost), .text(update.messageID),
                    .double(now), .int(jobID), .int(Int64(bitPattern: update.e164)), .text(campaignID ?? update.messageID),
                ])
                try statement.execute()
                changed += database.changes
            }
            return changed
        }
    }

    /// Delivery counts and total cost of a job's sent recipients.
    public func deliveryCounts(jobID: Int64) throws -> DeliveryCounts {
        var byStatus: [String: Int] = [:]
        var total = 0.0
        var costed = 0
        for (status, count, cost, withCost) in try database.query(
            """
            SELECT coalesce(delivery_status, 'unknown'), count(*), total(CAST(cost AS REAL)), count(cost)
            FROM recipient WHERE job_id = ? AND status = 'sent' GROUP BY 1
            """, [.int(jobID)], { ($0.text(0), $0.int(1), $0.double(2), $0.int(3)) })
        {
            byStatus[status] = count
            total += cost
            costed += withCost
        }
        return DeliveryCounts(byStatus: byStatus, totalCost: total, costed: costed)
    }
}

/// How fast a job has been sending, from its `attempt` rows.
public struct Throughput: Sendable, Equatable, Codable {
    /// Requests made over all runs.
    public var requests: Int
    /// Recipients in requests the API accepted (directly or found by a look-up).
    public var recipientsAccepted: Int
    /// Start of the first request (Unix seconds), if any.
    public var firstRequestAt: Double?
    /// End (or start) of the last request (Unix seconds), if any.
    public var lastRequestAt: Double?

    /// Accepted recipients per minute between the first and the last request (nil before two points).
    public var perMinute: Double? {
        guard let first = firstRequestAt, let last = lastRequestAt, last > first else { return nil }
        return Double(recipientsAccepted) / (last - first) * 60
    }
}

extension SQLiteStateStore {
    /// Throughput of a job over all its runs, from the `attempt` table.
    public func throughput(jobID: Int64) throws -> Throughput {
        try database.first(
            """
            SELECT count(*), coalesce(sum(CASE WHEN a.outcome = 'accepted' THEN c.size ELSE 0 END), 0),
                   min(a.started_at), max(coalesce(a.finished_at, a.started_at))
            FROM attempt a JOIN chunk c ON c.job_id = a.job_id AND c.seq = a.chunk_seq
            WHERE a.job_id = ?
            """, [.int(jobID)]
        ) { Throughput(requests: $0.int(0), recipientsAccepted: $0.int(1), firstRequestAt: $0.optionalDouble(2), lastRequestAt: $0.optionalDouble(3)) }
            ?? Throughput(requests: 0, recipientsAccepted: 0)
    }
}

/// A recipient's delivery as last tracked.
public struct RecipientDelivery: Sendable, Equatable {
    /// The API's message status, nil until tracked.
    public var status: String?
    /// The delivery `error_code`.
    public var error: String?
    /// The cost, as the API's decimal string.
    public var cost: String?
}

extension SQLiteStateStore {
    /// Like `forEachRecipient`, with each row's tracked delivery, in input order, without loading them all.
    public func forEachRecipientWithDelivery(jobID: Int64, _ body: (RecipientRecord, RecipientDelivery) throws -> Void) throws {
        let statement = try database.prepare(
            """
            SELECT row, line, phone, e164, status, reason, chunk, campaign_id, message_id, trace_id, updated_at,
                   delivery_status, delivery_error, cost
            FROM recipient WHERE job_id = ? ORDER BY row
            """)
        try statement.bind([.int(jobID)])
        while try statement.step() {
            let r = statement.row
            try body(
                RecipientRecord(
                    row: r.int(0), line: r.int(1), phone: r.text(2), e164: r.isNull(3) ? nil : "+\(r.int64(3))",
                    status: try decode(r.text(4), table: "recipient", column: "status", jobID: jobID), reason: r.optionalText(5),
                    chunk: r.optionalInt(6), campaignID: r.optionalText(7), messageID: r.optionalText(8),
                    traceID: r.optionalText(9), updatedAt: r.optionalDouble(10)),
                RecipientDelivery(status: r.optionalText(11), error: r.optionalText(12), cost: r.optionalText(13)))
        }
    }
}
