import SQLite
public import Recipients

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
    /// libphonenumber's type of the number (`mobile`, `fixed_line`, …), when it is valid.
    public var numberType: PhoneNumberType?
    /// The send-window group (time zones, space-separated), when the job has a send window.
    public var windowGroup: String?

    /// Creates a row.
    public init(
        row: Int, line: Int, phone: String, e164: UInt64?, status: RecipientStatus, reason: String?, content: String?,
        numberType: PhoneNumberType? = nil, windowGroup: String? = nil
    ) {
        self.numberType = numberType
        self.windowGroup = windowGroup
        self.row = row
        self.line = line
        self.phone = phone
        self.e164 = e164
        self.status = status
        self.reason = reason
        self.content = content
    }
}

extension SQLiteStateStore {
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

extension SQLiteStateStore {
    /// A job's usable rows (pending or suppressed, with a number): one condition for the count that sizes
    /// a resumed ingest's duplicate check and for the rows it is then given.
    static let usableRows = "recipient WHERE job_id = ? AND status IN ('pending', 'suppressed') AND e164 IS NOT NULL"

    /// The number of usable rows stored for a job.
    public func usableRowCount(jobID: Int64) throws -> Int {
        Int(try database.scalar("SELECT count(*) FROM \(Self.usableRows)", [.int(jobID)]))
    }

    /// Calls `body` with the number and row of every usable row stored for a job, in row order: what a
    /// resumed ingest needs to find duplicates of the rows still to read, without reading the CSV's first
    /// part again.
    public func forEachUsableRow(jobID: Int64, _ body: (_ e164: UInt64, _ row: Int) throws -> Void) throws {
        let statement = try database.prepare("SELECT e164, row FROM \(Self.usableRows) ORDER BY row")
        try statement.bind([.int(jobID)])
        while try statement.step() {
            let r = statement.row
            try body(UInt64(r.int64(0)), r.int(1))
        }
    }
}
