public import Checkpoint
import PostgresNIO

/// `track`'s reads and writes (`StateStore+Tracking.swift`) and the reports' reads (`lastError`,
/// `throughput`, the recipient walks of `StateStore+Summary.swift`), with the same answers and row changes.
///
/// None of them touches a chunk: delivery statuses are recorded on recipients of accepted chunks, which
/// no host leases any more, so no lease rule applies.
extension PostgresStateDatabase {
    /// `SQLiteStateStore.finalDeliveryStatuses`, bound as one array: `delivery_status = ANY(…)` is SQLite's `IN (…)`.
    static let finals = SQLiteStateStore.finalDeliveryStatuses.sorted()

    /// The accepted batches of a job, each with how many of its sent recipients still lack a final delivery
    /// status, by chunk number (`StateStore.trackTargets`).
    public func trackTargets(jobID: Int64) async throws -> [TrackTarget] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT c.campaign_id, c.name, count(r.row),
                       sum(CASE WHEN r.delivery_status = ANY(\(Self.finals)) THEN 0 ELSE 1 END)
                FROM chunk c JOIN recipient r ON r.job_id = c.job_id AND r.chunk = c.seq AND r.status = 'sent'
                WHERE c.job_id = \(jobID) AND c.state = 'accepted' AND c.campaign_id IS NOT NULL
                GROUP BY c.job_id, c.seq ORDER BY c.seq
                """, logger: logger)
            var targets: [TrackTarget] = []
            for try await (campaign, name, recipients, open) in rows.decode((String, String?, Int, Int).self) {
                targets.append(TrackTarget(campaign: campaign, batchName: name, sentRecipients: recipients, openRecipients: open))
            }
            return targets
        }
    }

    /// The message ids of up to `limit` sent single messages without a final status, by row
    /// (`StateStore.openSingleMessages`).
    public func openSingleMessages(jobID: Int64, limit: Int) async throws -> [String] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT message_id FROM recipient
                WHERE job_id = \(jobID) AND status = 'sent' AND campaign_id IS NULL AND message_id IS NOT NULL
                    AND (delivery_status IS NULL OR NOT delivery_status = ANY(\(Self.finals)))
                ORDER BY row LIMIT \(limit)
                """, logger: logger)
            var ids: [String] = []
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
    }

    /// Sent recipients of `campaignID` without a final delivery status (`StateStore.openRecipients`).
    public func openRecipients(jobID: Int64, campaignID: String) async throws -> Int {
        try await serially { connection in
            try await connection.query(
                """
                SELECT count(*) FROM recipient WHERE job_id = \(jobID) AND status = 'sent' AND campaign_id = \(campaignID)
                    AND (delivery_status IS NULL OR NOT delivery_status = ANY(\(Self.finals)))
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }

    /// When the earliest request of a sent single message without a final status began, nil when none is
    /// open (`StateStore.earliestOpenSingleAttempt`): where `track`'s scan of the messages starts.
    public func earliestOpenSingleAttempt(jobID: Int64) async throws -> Double? {
        try await serially { connection in
            try await connection.query(
                """
                SELECT min(c.last_attempt_at) FROM recipient r JOIN chunk c ON c.job_id = r.job_id AND c.seq = r.chunk
                WHERE r.job_id = \(jobID) AND r.status = 'sent' AND r.campaign_id IS NULL AND r.message_id IS NOT NULL
                    AND (r.delivery_status IS NULL OR NOT r.delivery_status = ANY(\(Self.finals)))
                """, logger: logger
            ).decode(Double?.self).collectFirst() ?? nil
        }
    }

    /// Delivery counts and total cost of a job's sent recipients (`StateStore.deliveryCounts`).
    ///
    /// SQLite's `CAST(cost AS REAL)` reads the longest numeric prefix of the text and 0 when there is none;
    /// PostgreSQL's cast would fail the whole query on one odd cost, so the prefix is taken by a regular
    /// expression first. The sums can differ in the last bits from SQLite's `total()` (which compensates
    /// rounding) when many costs are not exact binary fractions.
    public func deliveryCounts(jobID: Int64) async throws -> DeliveryCounts {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT coalesce(delivery_status, 'unknown'), count(*),
                    coalesce(sum(coalesce(
                        substring(cost FROM '^\\s*[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?')::double precision, 0)), 0),
                    count(cost)
                FROM recipient WHERE job_id = \(jobID) AND status = 'sent' GROUP BY 1
                """, logger: logger)
            var byStatus: [String: Int] = [:]
            var total = 0.0
            var costed = 0
            for try await (status, count, cost, withCost) in rows.decode((String, Int, Double, Int).self) {
                byStatus[status] = count
                total += cost
                costed += withCost
            }
            return DeliveryCounts(statuses: byStatus, cost: total, costedRecipients: costed)
        }
    }

    /// Records a campaign that ended without delivering (`FAILED`, `CANCELLED`): each of its sent recipients
    /// without a final status gets `status` and `reason` (`StateStore.recordCampaignOutcome`). Returns how
    /// many changed.
    @discardableResult
    public func recordCampaignOutcome(jobID: Int64, campaignID: String, status: String, reason: String, now: Double) async throws -> Int {
        try await serially { connection in
            try await connection.query(
                """
                WITH changed AS (
                    UPDATE recipient SET delivery_status = \(status), delivery_error = \(reason), updated_at = \(now)
                    WHERE job_id = \(jobID) AND status = 'sent' AND campaign_id = \(campaignID)
                        AND (delivery_status IS NULL OR NOT delivery_status = ANY(\(Self.finals)))
                    RETURNING 1)
                SELECT count(*) FROM changed
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }

    /// Records one page of delivery statuses, in one transaction (`StateStore.recordDelivery`): of one
    /// campaign's sent recipients matched by number, or with no campaign, of single messages matched by
    /// number and message id. Returns how many recipient updates matched (a row matched twice counts twice).
    ///
    /// One statement per update, in order, as the SQLite state runs them: a page that names a recipient
    /// twice leaves the last status, where one `UPDATE … FROM unnest(…)` would apply an arbitrary one. A
    /// page is at most a few hundred updates, so the round trips cost milliseconds.
    @discardableResult
    public func recordDelivery(jobID: Int64, campaignID: String?, updates: [DeliveryUpdate], now: Double) async throws -> Int {
        try await transaction { connection in
            var changed = 0
            for update in updates {
                let number = Int64(bitPattern: update.e164)
                let query: PostgresQuery = if let campaignID {
                    """
                    WITH changed AS (
                        UPDATE recipient SET delivery_status = \(update.status), delivery_error = \(update.errorCode), cost = \(update.cost),
                            message_id = \(update.messageID), updated_at = \(now)
                        WHERE job_id = \(jobID) AND status = 'sent' AND e164 = \(number) AND campaign_id = \(campaignID)
                        RETURNING 1)
                    SELECT count(*) FROM changed
                    """
                } else {
                    """
                    WITH changed AS (
                        UPDATE recipient SET delivery_status = \(update.status), delivery_error = \(update.errorCode), cost = \(update.cost),
                            message_id = \(update.messageID), updated_at = \(now)
                        WHERE job_id = \(jobID) AND status = 'sent' AND e164 = \(number) AND message_id = \(update.messageID)
                        RETURNING 1)
                    SELECT count(*) FROM changed
                    """
                }
                changed += try await connection.query(query, logger: logger).decode(Int.self).collectFirst() ?? 0
            }
            return changed
        }
    }

    // MARK: Reports

    /// The most recently recorded error of a job's chunks, if any (`StateStore.lastError`). Of two recorded
    /// at the same time, the later chunk (SQLite leaves that tie unordered).
    public func lastError(jobID: Int64) async throws -> (chunk: Int, error: RecordedError)? {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT seq, http_status, error_code, error_message, error_fields, trace_id FROM chunk
                WHERE job_id = \(jobID) AND error_code IS NOT NULL ORDER BY updated_at DESC, seq DESC LIMIT 1
                """, logger: logger)
            for try await (seq, status, code, message, fields, trace) in rows.decode((Int, Int?, String, String?, String?, String?).self) {
                return (seq, RecordedError(httpStatus: status, code: code, message: message ?? "", fields: fields, traceID: trace))
            }
            return nil
        }
    }

    /// Throughput of a job over all its runs and hosts, from its attempts (`StateStore.throughput`).
    public func throughput(jobID: Int64) async throws -> Throughput {
        try await serially { connection in
            let found = try await connection.query(
                """
                SELECT count(*), coalesce(sum(CASE WHEN a.outcome = 'accepted' THEN c.size ELSE 0 END), 0)::bigint,
                       min(a.started_at), max(coalesce(a.finished_at, a.started_at))
                FROM attempt a JOIN chunk c ON c.job_id = a.job_id AND c.seq = a.chunk_seq
                WHERE a.job_id = \(jobID)
                """, logger: logger
            ).decode((Int, Int, Double?, Double?).self).collectFirst()
            guard let (requests, accepted, first, last) = found else { return Throughput(requestCount: 0, accepted: 0, firstAt: nil, lastAt: nil) }
            return Throughput(requestCount: requests, accepted: accepted, firstAt: first, lastAt: last)
        }
    }

    /// Calls `body` with every data row of a job, in input order (`StateStore.forEachRecipient`), a page
    /// at a time (see `forEachRecipientWithDelivery`).
    public func forEachRecipient(jobID: Int64, pageRows: Int = PostgresStateDatabase.pageRows, _ body: (RecipientRecord) throws -> Void) async throws {
        try await forEachRecipientWithDelivery(jobID: jobID, pageRows: pageRows) { record, _ in try body(record) }
    }

    /// Calls `body` with every data row of a job and its tracked delivery, in input order
    /// (`StateStore.forEachRecipientWithDelivery`). An unknown stored status throws `unreadableValue`.
    ///
    /// Keyset pages of `pageRows` rows (`row > last ORDER BY row LIMIT n`, a seek in the primary key) in one
    /// `REPEATABLE READ, READ ONLY` transaction: memory holds one page however large the job, and every
    /// page reads the same snapshot, so a report is consistent while other hosts send and track.
    public func forEachRecipientWithDelivery(
        jobID: Int64, pageRows: Int = PostgresStateDatabase.pageRows, _ body: (RecipientRecord, RecipientDelivery) throws -> Void
    ) async throws {
        try await forEachPage(pageRows: pageRows, { after in Self.recipientsQuery(jobID: jobID, after: after, limit: pageRows) }) { row in
            let entry = try Self.recipientWithDelivery(from: row)
            try body(entry.record, entry.delivery)
            return Int64(entry.record.row)
        }
    }
}
