import Recipients

extension ChunkKind {
    /// The one rule for how a job sends: a personalised text goes one message per request (`single`), the
    /// same text for everyone in batches.
    public init(personalised: Bool) { self = personalised ? .single : .batch }
}

extension Job {
    /// How this job sends: as ingest recorded it, or, while ingest has not decided yet, as its template says.
    ///
    /// Only a job still reading its CSV (or one from before schema 3 that never cut a chunk) lacks the
    /// recorded kind. A template naming a column the header lacks is personalised all the same.
    public var sendingKind: ChunkKind {
        if let chunkKind { return chunkKind }
        do {
            return ChunkKind(personalised: try MessageTemplate(settings.message, header: header).isPersonalised)
        } catch .unknownColumn {
            return .single
        } catch {
            return .batch
        }
    }
}
