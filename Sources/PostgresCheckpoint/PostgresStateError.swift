/// Why an operation on the PostgreSQL state failed, beyond the driver's own errors.
public struct PostgresStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened.
    public enum Reason: Sendable, Equatable {
        /// The connection could not be made (`location` prints without the password).
        case cannotConnect(location: String, detail: String)
        /// The database has migrations this version does not know: a newer ziett-batch migrated it.
        case newerSchema(known: Int, found: Int)
        /// `markInFlight` found the chunk no longer leased by `holder` (expired, released or taken over): the
        /// request must not leave.
        case leaseLost(jobID: Int64, seq: Int, holder: String)
        /// `markInFlight` found the chunk in `found` instead of `pending`: another host moved it.
        case chunkChangedUnderneath(jobID: Int64, seq: Int, found: String)
        /// No such chunk.
        case noSuchChunk(jobID: Int64, seq: Int)
        /// A stored value that this version cannot read (an unknown state or kind).
        case unreadableValue(table: String, column: String, value: String)
    }

    /// What happened.
    public var reason: Reason

    /// Creates an error for `reason`.
    public init(_ reason: Reason) { self.reason = reason }

    /// One line for the operator.
    public var description: String {
        switch reason {
        case .cannotConnect(let location, let detail):
            "cannot connect to the PostgreSQL state at \(location): \(detail)"
        case .newerSchema(let known, let found):
            "the PostgreSQL state has \(found) migrations, this ziett-batch knows \(known): a newer version migrated it; upgrade"
        case .leaseLost(let jobID, let seq, let holder):
            "chunk \(seq) of job \(jobID) is no longer leased by \(holder): not sending it"
        case .chunkChangedUnderneath(let jobID, let seq, let found):
            "chunk \(seq) of job \(jobID) is \(found), not pending: another host moved it; not sending it"
        case .noSuchChunk(let jobID, let seq):
            "job \(jobID) has no chunk \(seq)"
        case .unreadableValue(let table, let column, let value):
            "the PostgreSQL state holds \(table).\(column) = \"\(value)\", unknown to this version"
        }
    }
}
