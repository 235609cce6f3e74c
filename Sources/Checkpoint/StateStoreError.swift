/// A state file that breaks a rule of its jobs, or holds a value this build cannot read.
///
/// A struct over an internal enum, so that the set can grow without breaking a `switch` elsewhere:
/// callers compare `code` with the static members of `Code`. Its `description` names the state file and
/// what is wrong with it, for the cron mail. Failures of the database itself stay `SQLiteError`s.
public struct StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem, without its details.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Value: String, Sendable {
            case jobVanished, unknownStoredValue, undecodableStoredValue, ingestRestartRefused, chunkChangedUnderneath
            case locked, networkFilesystem, cannotOpen, notInDoubt, hardLinked, heldByAnotherHost, refused
        }
        fileprivate let value: Value

        /// A job was not found right after it was inserted: another process changed the file, or it is damaged.
        public static let jobVanished = Code(value: .jobVanished)
        /// A stored state, phase, status or kind is none this build knows: a newer ziett-batch wrote it, or
        /// the file is damaged.
        public static let unknownStoredValue = Code(value: .unknownStoredValue)
        /// A stored JSON value (settings, header) does not decode.
        public static let undecodableStoredValue = Code(value: .undecodableStoredValue)
        /// Ingest was asked to start again on a job that is past reading its CSV, or has sent requests.
        public static let ingestRestartRefused = Code(value: .ingestRestartRefused)
        /// A chunk was not in the state a transition starts from (the move to in flight is only from
        /// pending): another process is writing the same job despite the lock.
        public static let chunkChangedUnderneath = Code(value: .chunkChangedUnderneath)
        /// Another process (or another open in this one) is writing this state file, by whatever path.
        public static let locked = Code(value: .locked)
        /// The state file is on a network filesystem, where its lock and SQLite's cannot be trusted.
        public static let networkFilesystem = Code(value: .networkFilesystem)
        /// The state file cannot be opened or created for writing.
        public static let cannotOpen = Code(value: .cannotOpen)
        /// `resolve` was asked about a row whose request is not in doubt.
        public static let notInDoubt = Code(value: .notInDoubt)
        /// The state file has several names (hard links): SQLite names its WAL after the path, so two names
        /// would be two WALs over one database.
        public static let hardLinked = Code(value: .hardLinked)

        /// A chunk is leased by another host (a state shared by several hosts), or this host's lease on it
        /// ended: this host must leave the chunk alone; nothing was sent or recorded.
        public static let heldByAnotherHost = Code(value: .heldByAnotherHost)
        /// The state refused an operation by one of its rules not named above (a shared state's own checks).
        public static let refused = Code(value: .refused)

        public var description: String { value.rawValue }
    }

    enum Kind: Sendable, Equatable {
        case jobVanished(name: String)
        case unknownValue(table: String, column: String, value: String, jobID: Int64)
        case undecodable(table: String, column: String, jobID: Int64, reason: String)
        case ingestRestartRefused(jobID: Int64)
        case chunkChangedUnderneath(jobID: Int64, seq: Int, expected: String)
        case locked
        case networkFilesystem(kind: String)
        case cannotOpen(reason: String)
        case notInDoubt(jobID: Int64, row: Int)
        case hardLinked(names: Int)
        case heldByAnotherHost(jobID: Int64, seq: Int, holder: String)
        case refused(reason: String)
    }

    let kind: Kind
    /// The state file.
    public let path: String

    init(_ kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }

    /// What kind of problem.
    public var code: Code {
        switch kind {
        case .jobVanished: .jobVanished
        case .unknownValue: .unknownStoredValue
        case .undecodable: .undecodableStoredValue
        case .ingestRestartRefused: .ingestRestartRefused
        case .chunkChangedUnderneath: .chunkChangedUnderneath
        case .locked: .locked
        case .networkFilesystem: .networkFilesystem
        case .cannotOpen: .cannotOpen
        case .notInDoubt: .notInDoubt
        case .hardLinked: .hardLinked
        case .heldByAnotherHost: .heldByAnotherHost
        case .refused: .refused
        }
    }

    public var description: String {
        switch kind {
        case let .jobVanished(name):
            "state file \(path): job \"\(name)\" is gone right after it was created (another process changed the file?)"
        case let .unknownValue(table, column, value, jobID):
            "state file \(path): \(table).\(column) of job \(jobID) holds \"\(value)\", which this ziett-batch does not know "
                + "(written by another version, or the file is damaged)"
        case let .undecodable(table, column, jobID, reason):
            "state file \(path): \(table).\(column) of job \(jobID) cannot be read (\(reason)); the file is damaged or "
                + "from another version"
        case let .ingestRestartRefused(jobID):
            "state file \(path): job \(jobID) cannot read its input again from the start: it is past reading its CSV "
                + "or has sent requests"
        case let .chunkChangedUnderneath(jobID, seq, expected):
            "state file \(path): chunk \(seq) of job \(jobID) is no longer \(expected); another process is writing "
                + "this job (a copy or link of the state file?); nothing was sent for it"
        case .locked:
            "state file \(path) is in use by another ziett-batch process (a run, retry or track of it, by this or "
                + "another path); nothing was changed: try again later"
        case let .networkFilesystem(kind):
            "state file \(path) is on a network filesystem (\(kind)): its locks cannot keep two hosts from writing "
                + "one job, so it is refused; keep state files on a local disk"
        case let .cannotOpen(reason):
            "state file \(path) cannot be opened for writing: \(reason)"
        case let .notInDoubt(jobID, row):
            "state file \(path): row \(row) of job \(jobID) is not in a request whose look-up was ambiguous; nothing to "
                + "resolve (an ordinary request in doubt is settled by the next run's look-up; --force decides it anyway)"
        case let .hardLinked(names):
            "state file \(path) has \(names) names (hard links): SQLite keeps its journal beside the name used, so two "
                + "names would write two journals into one database; it is refused. Keep one name (a symlink is fine)"
        case let .heldByAnotherHost(jobID, seq, holder):
            "state \(path): chunk \(seq) of job \(jobID) is worked on by \(holder), or this host's lease on it ended; "
                + "this host leaves it alone (nothing sent, nothing recorded)"
        case let .refused(reason):
            "state \(path): \(reason)"
        }
    }
}

extension StateStoreError {
    // Another backend's refusals (`StateStore` conformers outside this module), as the SQLite store's own.

    /// A chunk worked on by another host, or whose lease this host lost (`heldByAnotherHost`).
    public static func heldByAnotherHost(jobID: Int64, seq: Int, holder: String, location: String) -> StateStoreError {
        StateStoreError(.heldByAnotherHost(jobID: jobID, seq: seq, holder: holder), path: location)
    }

    /// A chunk not in the state a transition starts from (`chunkChangedUnderneath`).
    public static func chunkChangedUnderneath(jobID: Int64, seq: Int, expected: String, location: String) -> StateStoreError {
        StateStoreError(.chunkChangedUnderneath(jobID: jobID, seq: seq, expected: expected), path: location)
    }

    /// `resolve` about a row that is not in doubt (`notInDoubt`).
    public static func notInDoubt(jobID: Int64, row: Int, location: String) -> StateStoreError {
        StateStoreError(.notInDoubt(jobID: jobID, row: row), path: location)
    }

    /// Reading the input again refused (`ingestRestartRefused`).
    public static func ingestRestartRefused(jobID: Int64, location: String) -> StateStoreError {
        StateStoreError(.ingestRestartRefused(jobID: jobID), path: location)
    }

    /// A stored value this build does not know (`unknownStoredValue`).
    public static func unknownValue(table: String, column: String, value: String, location: String) -> StateStoreError {
        StateStoreError(.unknownValue(table: table, column: column, value: value, jobID: 0), path: location)
    }

    /// Any other refusal by the state's rules (`refused`), with its reason.
    public static func refused(_ reason: String, location: String) -> StateStoreError {
        StateStoreError(.refused(reason: reason), path: location)
    }
}
