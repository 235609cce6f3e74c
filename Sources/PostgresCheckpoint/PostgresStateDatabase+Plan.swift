import PostgresNIO

/// The plan's and `track`'s remaining reads (`StateStore+Plan.swift`, `StateStore.acceptedRecipients`).
extension PostgresStateDatabase {
    /// Calls `body` with the row and text of every pending personalised message of a job, in row order
    /// (`StateStore.forEachPendingPersonalisedMessage`): what the plan counts segments and encodings from.
    /// Keyset pages in one `REPEATABLE READ, READ ONLY` transaction, as `forEachUsableRow`, so memory holds
    /// one page.
    public func forEachPendingPersonalisedMessage(
        jobID: Int64, pageRows: Int = PostgresStateDatabase.pageRows, _ body: (_ row: Int, _ content: String) throws -> Void
    ) async throws {
        try await forEachPage(pageRows: pageRows, { after in
            Self.pendingPersonalisedMessagesQuery(jobID: jobID, after: after, limit: pageRows)
        }) { record in
            let message = try Self.personalisedMessage(from: record)
            try body(message.row, message.content)
            return Int64(message.row)
        }
    }

    /// Recipients accepted in requests whose last attempt was at or after `time`
    /// (`StateStore.acceptedRecipients`): what `track`'s scan of the API's messages from then pages through.
    public func acceptedRecipients(jobID: Int64, since time: Double) async throws -> Int {
        try await serially { connection in
            try await connection.query(
                """
                SELECT coalesce(sum(size), 0)::bigint FROM chunk
                WHERE job_id = \(jobID) AND state = 'accepted' AND last_attempt_at >= \(time)
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }
}
