import SQLite

extension SQLiteStateStore {
    /// Calls `body` with the row and text of every pending personalised message of a job, in row order,
    /// without loading them all: what the plan counts SMS segments and encodings from when ingest did not
    /// just count them.
    public func forEachPendingPersonalisedMessage(jobID: Int64, _ body: (_ row: Int, _ content: String) throws -> Void) throws {
        let statement = try database.prepare(
            "SELECT row, content FROM recipient WHERE job_id = ? AND status = 'pending' AND content IS NOT NULL ORDER BY row")
        try statement.bind([.int(jobID)])
        while try statement.step() {
            let row = statement.row
            try body(row.int(0), row.text(1))
        }
    }
}
