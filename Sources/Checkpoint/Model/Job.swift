/// One campaign job: a CSV, a message and a sender, identified by name within a state file.
public struct Job: Sendable, Equatable {
    /// Row id in the state file.
    public var id: Int64
    /// The operator's name for it (`--job`, or the CSV's base name).
    public var name: String
    /// A random UUID fixed at creation: the job's identity in idempotency keys and batch names, so two
    /// jobs with identical chunks never share a key.
    public var uuid: String
    /// What it was created with.
    public var settings: JobSettings
    /// How far it has come.
    public var phase: JobPhase
    /// The input's fingerprint at creation (size, mtime, head hash).
    public var inputFingerprint: String
    /// Where ingest continues: byte offset, physical line, data rows stored.
    public var ingestOffset: Int64
    /// Physical line at `ingestOffset`.
    public var ingestLine: Int
    /// Data rows stored so far.
    public var ingestRows: Int
    /// The header of the CSV (JSON array), once read.
    public var header: [String]
    /// Creation time (Unix seconds).
    public var createdAt: Double
    /// How its pending rows are cut into requests, as ingest decided it from the template; nil until then.
    /// `sendingKind` answers for a job that has not decided yet.
    public var chunkKind: ChunkKind?
    /// Recipients per request: 1 for single messages, the configured chunk size for batches (and for the
    /// batches of a job that groups texts).
    public var chunkSize: Int
    /// Whether recipients of this personalised job with the same rendered text share batches (only texts
    /// that occur once go as single messages): every personalised job since the "grouped texts" schema.
    public var groupsTexts: Bool

    /// Creates a job value.
    public init(
        id: Int64, name: String, uuid: String, settings: JobSettings, phase: JobPhase, inputFingerprint: String,
        ingestOffset: Int64, ingestLine: Int, ingestRows: Int, header: [String], createdAt: Double,
        chunkKind: ChunkKind? = nil, chunkSize: Int = 1000, groupsTexts: Bool = false
    ) {
        self.id = id
        self.name = name
        self.uuid = uuid
        self.settings = settings
        self.phase = phase
        self.inputFingerprint = inputFingerprint
        self.ingestOffset = ingestOffset
        self.ingestLine = ingestLine
        self.ingestRows = ingestRows
        self.header = header
        self.createdAt = createdAt
        self.chunkKind = chunkKind
        self.chunkSize = chunkSize
        self.groupsTexts = groupsTexts
    }
}
