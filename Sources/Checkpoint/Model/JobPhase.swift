/// How far a job has come.
public enum JobPhase: String, Sendable, Codable {
    /// The CSV is being read into the state; `ingest_*` columns say where to continue.
    case ingesting
    /// Every row is stored, deduplicated, suppressed and cut into chunks.
    case planned
    /// Every chunk is accepted or rejected; nothing is left to send.
    case complete
}
