/// One row on its way into the state.
public struct IngestRow: Sendable {
    /// 1-based data row.
    public var row: Int
    /// Physical line where it starts.
    public var line: Int
    /// The phone cell as read.
    public var phone: String
    /// E.164 digits when the number is valid.
    public var e164: UInt64?
    /// `pending` for usable rows, `invalid` otherwise.
    public var status: RecipientStatus
    /// Why it is invalid.
    public var reason: String?
    /// The rendered text, for personalised messages.
    public var content: String?

    /// Creates a row.
    public init(row: Int, line: Int, phone: String, e164: UInt64?, status: RecipientStatus, reason: String?, content: String?) {
        self.row = row
        self.line = line
        self.phone = phone
        self.e164 = e164
        self.status = status
        self.reason = reason
        self.content = content
    }
}

extension StateStore {
    /// Stores the suppression list's numbers for a job (replacing any earlier list).
    public func storeSuppression(jobID: Int64, numbers: some Sequence<UInt64>) throws {
        try database.transaction {
            try database.run("DELETE FROM suppression WHERE job_id = ?", [.int(jobID)])
            let insert = try database.cached("INSERT OR IGNORE INTO suppression (job_id, e164) VALUES (?, ?)")
            for number in numbers {
                insert.bind(int: jobID, at: 1)
                insert.bind(int: Int64(number), at: 2)
                try insert.execute()
            }
        }
    }
}
