public import Checkpoint
import PostgresNIO

/// One keyset page of the recipient walks (`forEachUsableRow`, `forEachRecipientWithDelivery`,
/// `forEachPendingPersonalisedMessage`), as a value: what `PostgresStateStore` fetches page by page so that
/// its caller's closure runs on the caller's thread, never inside an operation (it could call the store
/// again, which would wait for itself, and it is not `Sendable`).
///
/// Each page is its own statement: the pages of one walk do not share a snapshot, unlike the `forEach…`
/// methods here. A row is still seen at most once (the key only grows), but a row another host inserts or
/// moves between two pages is seen in its state when its page is read.
extension PostgresStateDatabase {
    /// A usable row: its number and row (`forEachUsableRow`).
    public struct UsableRow: Sendable, Equatable {
        public var e164: UInt64
        public var row: Int
    }

    /// A pending personalised message: its row and text (`forEachPendingPersonalisedMessage`).
    public struct PersonalisedMessage: Sendable, Equatable {
        public var row: Int
        public var content: String
    }

    /// A data row and its tracked delivery (`forEachRecipientWithDelivery`).
    public struct RecipientWithDelivery: Sendable, Equatable {
        public var record: RecipientRecord
        public var delivery: RecipientDelivery
    }

    /// Usable rows (pending or suppressed, with a number) after row `after`, in row order, at most `limit`.
    public func usableRows(jobID: Int64, after: Int64, limit: Int) async throws -> [UsableRow] {
        try await page(Self.usableRowsQuery(jobID: jobID, after: after, limit: limit), Self.usableRow(from:))
    }

    /// Pending personalised messages after row `after`, in row order, at most `limit`.
    public func pendingPersonalisedMessages(jobID: Int64, after: Int64, limit: Int) async throws -> [PersonalisedMessage] {
        try await page(Self.pendingPersonalisedMessagesQuery(jobID: jobID, after: after, limit: limit), Self.personalisedMessage(from:))
    }

    /// Data rows and their deliveries after row `after`, in row order, at most `limit`.
    public func recipients(jobID: Int64, after: Int64, limit: Int) async throws -> [RecipientWithDelivery] {
        try await page(Self.recipientsQuery(jobID: jobID, after: after, limit: limit), Self.recipientWithDelivery(from:))
    }

    /// The rows of one query, decoded, as one operation.
    private func page<T>(_ query: PostgresQuery, _ decode: (PostgresRow) throws -> T) async throws -> [T] {
        try await serially { connection in
            var values: [T] = []
            for try await row in try await connection.query(query, logger: logger) { values.append(try decode(row)) }
            return values
        }
    }

    // MARK: The walks' queries and rows, shared by the one-snapshot walks and the pages

    static func usableRowsQuery(jobID: Int64, after: Int64, limit: Int) -> PostgresQuery {
        """
        SELECT e164, row FROM recipient
        WHERE job_id = \(jobID) AND status IN ('pending', 'suppressed') AND e164 IS NOT NULL AND row > \(after)
        ORDER BY row LIMIT \(limit)
        """
    }

    static func usableRow(from record: PostgresRow) throws -> UsableRow {
        let (e164, row) = try record.decode((Int64, Int64).self)
        return UsableRow(e164: UInt64(e164), row: Int(row))
    }

    static func pendingPersonalisedMessagesQuery(jobID: Int64, after: Int64, limit: Int) -> PostgresQuery {
        """
        SELECT row, content FROM recipient
        WHERE job_id = \(jobID) AND status = 'pending' AND content IS NOT NULL AND row > \(after)
        ORDER BY row LIMIT \(limit)
        """
    }

    static func personalisedMessage(from record: PostgresRow) throws -> PersonalisedMessage {
        let (row, content) = try record.decode((Int64, String).self)
        return PersonalisedMessage(row: Int(row), content: content)
    }

    static func recipientsQuery(jobID: Int64, after: Int64, limit: Int) -> PostgresQuery {
        """
        SELECT row, line, phone, e164, status, reason, chunk, campaign_id, message_id, trace_id, updated_at,
               delivery_status, delivery_error, cost
        FROM recipient WHERE job_id = \(jobID) AND row > \(after) ORDER BY row LIMIT \(limit)
        """
    }

    /// A `recipientsQuery` row; an unknown stored status throws `unreadableValue`.
    static func recipientWithDelivery(from row: PostgresRow) throws -> RecipientWithDelivery {
        let r = row.makeRandomAccess()
        let number = try r[0].decode(Int64.self)
        let statusText = try r[4].decode(String.self)
        guard let status = RecipientStatus(rawValue: statusText) else {
            throw PostgresStateError(.unreadableValue(table: "recipient", column: "status", value: statusText))
        }
        let record = RecipientRecord(
            row: Int(number), line: try r[1].decode(Int.self), phone: try r[2].decode(String.self),
            e164: try r[3].decode(Int64?.self).map { "+\($0)" }, status: status, reason: try r[5].decode(String?.self),
            chunk: try r[6].decode(Int?.self), campaignID: try r[7].decode(String?.self),
            messageID: try r[8].decode(String?.self), traceID: try r[9].decode(String?.self),
            updatedAt: try r[10].decode(Double?.self))
        let delivery = RecipientDelivery(
            deliveryStatus: try r[11].decode(String?.self), deliveryError: try r[12].decode(String?.self),
            deliveryCost: try r[13].decode(String?.self))
        return RecipientWithDelivery(record: record, delivery: delivery)
    }
}
