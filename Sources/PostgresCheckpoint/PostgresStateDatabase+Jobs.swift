public import Checkpoint
import PostgresNIO

extension PostgresStateDatabase {
    /// The job named `name`, created in phase `ingesting` if it does not exist yet (hosts racing to create it
    /// get the same row). Returns its id. The full ingest (rows, cutting chunks) is not ported yet.
    public func createJob(name: String, uuid: String, settings: String, inputFingerprint: String, now: Double) async throws -> Int64 {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO job (name, uuid, settings, phase, input_fingerprint, created_at, updated_at)
                VALUES (\(name), \(uuid), \(settings), \(JobPhase.ingesting.rawValue), \(inputFingerprint), \(now), \(now))
                ON CONFLICT (name) DO NOTHING
                """, logger: logger)
            guard let id = try await connection.query("SELECT id FROM job WHERE name = \(name)", logger: logger)
                .decode(Int64.self).collectFirst()
            else { throw PostgresStateError(.unreadableValue(table: "job", column: "name", value: name)) }
            return id
        }
    }

    /// Appends pending chunks of `sizes` recipients each after the job's last chunk; returns their numbers.
    /// (Stands in for the planner's cut until the send path is ported.)
    @discardableResult
    public func addPendingChunks(jobID: Int64, kind: ChunkKind, sizes: [Int], now: Double) async throws -> [Int] {
        try await transaction { connection in
            // Serialises appends to one job (two hosts cutting at once would pick the same numbers).
            try await connection.query("SELECT id FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger)
            let last = try await connection.query("SELECT max(seq) FROM chunk WHERE job_id = \(jobID)", logger: logger)
                .decode(Int?.self).collectFirst() ?? nil
            var seqs: [Int] = []
            var seq = (last ?? -1) + 1
            for size in sizes {
                try await connection.query(
                    """
                    INSERT INTO chunk (job_id, seq, kind, state, size, updated_at)
                    VALUES (\(jobID), \(seq), \(kind.rawValue), \(ChunkState.pending.rawValue), \(size), \(now))
                    """, logger: logger)
                seqs.append(seq)
                seq += 1
            }
            return seqs
        }
    }

    /// One chunk, with its lease.
    public func chunk(jobID: Int64, seq: Int) async throws -> LeasedChunk? {
        try await serially { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.chunkColumns) FROM chunk WHERE job_id = \(jobID) AND seq = \(seq)", logger: logger)
            for try await row in rows { return try Self.leasedChunk(from: row, previousHolder: nil) }
            return nil
        }
    }

    /// Every chunk of the job that some host holds a lease on (expired or not), by number: what `status`
    /// will show as "which host holds which lease".
    public func leases(jobID: Int64) async throws -> [LeasedChunk] {
        try await serially { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.chunkColumns) FROM chunk WHERE job_id = \(jobID) AND lease_holder IS NOT NULL ORDER BY seq",
                logger: logger)
            var chunks: [LeasedChunk] = []
            for try await row in rows { chunks.append(try Self.leasedChunk(from: row, previousHolder: nil)) }
            return chunks
        }
    }

    /// The columns `leasedChunk(from:previousHolder:)` reads, in its order.
    static let chunkColumnNames = [
        "job_id", "seq", "kind", "state", "size", "name", "body", "idempotency_key", "attempts", "last_attempt_at", "not_before",
        "campaign_id", "message_id", "http_status", "error_code", "error_message", "error_fields", "trace_id", "in_doubt",
        "window_group", "lease_holder", "lease_expires_at",
    ]
    static let chunkColumns = chunkColumnNames.joined(separator: ", ")
    static let qualifiedChunkColumns = chunkColumnNames.map { "chunk." + $0 }.joined(separator: ", ")

    /// A chunk row (`chunkColumns`); an unknown stored kind or state throws instead of becoming a default.
    static func leasedChunk(from row: PostgresRow, previousHolder: String?) throws -> LeasedChunk {
        let r = row.makeRandomAccess()
        let kindText = try r[2].decode(String.self)
        let stateText = try r[3].decode(String.self)
        guard let kind = ChunkKind(rawValue: kindText) else {
            throw PostgresStateError(.unreadableValue(table: "chunk", column: "kind", value: kindText))
        }
        guard let state = ChunkState(rawValue: stateText) else {
            throw PostgresStateError(.unreadableValue(table: "chunk", column: "state", value: stateText))
        }
        let body = try r[6].decode(ByteBuffer?.self).map { Array($0.readableBytesView) }
        let chunk = Chunk(
            jobID: try r[0].decode(Int64.self), seq: try r[1].decode(Int.self), kind: kind, state: state,
            size: try r[4].decode(Int.self), name: try r[5].decode(String?.self), body: body,
            idempotencyKey: try r[7].decode(String?.self), attempts: try r[8].decode(Int.self),
            lastAttemptAt: try r[9].decode(Double?.self), notBefore: try r[10].decode(Double?.self),
            campaignID: try r[11].decode(String?.self), messageID: try r[12].decode(String?.self),
            httpStatus: try r[13].decode(Int?.self), errorCode: try r[14].decode(String?.self),
            errorMessage: try r[15].decode(String?.self), errorFields: try r[16].decode(String?.self),
            traceID: try r[17].decode(String?.self), inDoubt: try r[18].decode(Int.self) != 0,
            windowGroup: try r[19].decode(String?.self))
        return LeasedChunk(
            chunk: chunk, holder: try r[20].decode(String?.self), expiresAt: try r[21].decode(Double?.self),
            previousHolder: previousHolder)
    }
}
