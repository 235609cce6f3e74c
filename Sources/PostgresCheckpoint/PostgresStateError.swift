public import Checkpoint

/// Why an operation on the PostgreSQL state failed. The driver's own errors (`PSQLError`, whose
/// `description` is deliberately generic) come wrapped as `server`, with the server's message and SQLSTATE
/// and the location without its password, so an operator reads what went wrong from the error alone.
///
/// A `StateFileFailure`, as `SQLiteError` is, so that callers catch a failing state without importing
/// this module (exit 74). Caveat for the `StateStore` protocol that wires this store in: the same type also
/// carries the cases where the state breaks a rule (`leaseLost`, `leasedByAnother`, `chunkChangedUnderneath`,
/// `notInDoubt`, `ingestRestartRefused`, `noChunkKind`, `rowsNotAssigned`, `unreadableValue`), which the SQLite
/// store throws as `StateStoreError`; `isStoreFailure` tells them apart, and `PostgresStateStore.mapped`
/// turns the rule cases into `StateStoreError` before a caller's `catch … as any StateFileFailure` sees them.
public struct PostgresStateError: Error, Sendable, Equatable, CustomStringConvertible, StateFileFailure {
    /// What happened.
    public enum Reason: Sendable, Equatable {
        /// The connection could not be made (`location` prints without the password).
        case cannotConnect(location: String, detail: String)
        /// The database has migrations this version does not know: a newer ziett-batch migrated it.
        case newerSchema(known: Int, found: Int)
        /// `markInFlight` or an outcome found the chunk not (or no longer) leased by `holder` (expired,
        /// released or taken over): the request must not leave, the outcome is not recorded.
        case leaseLost(jobID: Int64, seq: Int, holder: String)
        /// An outcome for a chunk that is not in flight, or `resolveInDoubt`, found a live lease of another
        /// host (`holder`) on it: that host is working on the chunk, so nothing is recorded.
        case leasedByAnother(jobID: Int64, seq: Int, holder: String)
        /// `markInFlight` found the chunk in `found` instead of `pending`: another host moved it.
        case chunkChangedUnderneath(jobID: Int64, seq: Int, found: String)
        /// No such chunk.
        case noSuchChunk(jobID: Int64, seq: Int)
        /// A stored value that this version cannot read (an unknown state or kind).
        case unreadableValue(table: String, column: String, value: String)
        /// `cutChunks` found no recorded chunk kind while `waiting` pending rows wait for a chunk: answering
        /// 0 would end the send with them silently unsent.
        case noChunkKind(jobID: Int64, waiting: Int)
        /// `cutChunks` planned `planned` rows but gave only `assigned` of them a chunk (another writer moved
        /// rows underneath): rolled back, so no row is left below the cursor without a chunk.
        case rowsNotAssigned(jobID: Int64, planned: Int, assigned: Int)
        /// `resolveInDoubt` was asked about a row whose request is not in doubt (or not ambiguous without `force`).
        case notInDoubt(jobID: Int64, row: Int)
        /// `restartIngest` was asked to forget a job that is past ingest or has sent (`StateStore.restartIngest`).
        case ingestRestartRefused(jobID: Int64)
        /// The server (or the connection to it) failed a statement: `message` is the server's own text
        /// (or the driver's error code when no answer came), `sqlState` its SQLSTATE; `location` prints
        /// without the password.
        case server(location: String, message: String, sqlState: String?)
    }

    /// What happened.
    public var reason: Reason

    /// Creates an error for `reason`.
    public init(_ reason: Reason) { self.reason = reason }

    /// True when the store itself failed (no connection, a newer schema, a failed statement), false when
    /// the state refused an operation by its rules.
    public var isStoreFailure: Bool {
        switch reason {
        case .cannotConnect, .newerSchema, .server: true
        default: false
        }
    }

    /// One line for the operator.
    public var description: String {
        switch reason {
        case .cannotConnect(let location, let detail):
            "cannot connect to the PostgreSQL state at \(location): \(detail)"
        case .newerSchema(let known, let found):
            "the PostgreSQL state has \(found) migrations, this ziett-batch knows \(known): a newer version migrated it; upgrade"
        case .leaseLost(let jobID, let seq, let holder):
            "chunk \(seq) of job \(jobID) is not leased by \(holder) any more: nothing sent, nothing recorded"
        case .leasedByAnother(let jobID, let seq, let holder):
            "chunk \(seq) of job \(jobID) is leased by \(holder), who is working on it: nothing recorded"
        case .chunkChangedUnderneath(let jobID, let seq, let found):
            "chunk \(seq) of job \(jobID) is \(found), not pending: another host moved it; not sending it"
        case .noSuchChunk(let jobID, let seq):
            "job \(jobID) has no chunk \(seq)"
        case .unreadableValue(let table, let column, let value):
            "the PostgreSQL state holds \(table).\(column) = \"\(value)\", unknown to this version"
        case .noChunkKind(let jobID, let waiting):
            "job \(jobID) has no chunk kind recorded while \(waiting) pending recipient(s) wait to be cut into chunks"
        case .rowsNotAssigned(let jobID, let planned, let assigned):
            "job \(jobID): \(planned - assigned) of \(planned) row(s) not assigned while cutting chunks; nothing was cut"
        case .notInDoubt(let jobID, let row):
            "row \(row) of job \(jobID) has no request in doubt to resolve"
        case .ingestRestartRefused(let jobID):
            "job \(jobID) is past ingest or has sent requests: its rows cannot be forgotten and read again"
        case .server(let location, let message, let sqlState):
            "the PostgreSQL state at \(location) failed: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
        }
    }
}
