/// How a job's pending rows will be cut, as `beginIngest` recorded it (`IngestWriter`'s `chunkSize` and
/// `groupsTexts`).
public struct IngestPlan: Sendable, Equatable {
    /// Recipients per chunk (per batch, for a job that groups texts).
    public var chunkSize: Int
    /// Whether rows with the same text share batches (`cutChunks`).
    public var groupsTexts: Bool
    /// Whether rows of this job were stored before (a resumed ingest).
    public var resumed: Bool
}
