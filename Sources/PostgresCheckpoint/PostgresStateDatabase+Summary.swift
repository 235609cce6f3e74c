public import Checkpoint
import Foundation
import PostgresNIO

extension PostgresStateDatabase {
    /// Counts for one job, as `StateStore.counts(jobID:)` computes them: recipients by status, chunks by
    /// state, and the requests the open chunks and the pending rows not cut yet will make.
    ///
    /// Its three queries read one snapshot (`REPEATABLE READ`), so rows that another host moves meanwhile
    /// are counted once, before or after the move, never in both places nor in neither.
    public func counts(jobID: Int64) async throws -> JobCounts {
        try await snapshot { connection in
            var recipients: [String: Int] = [:]
            var uncut = 0
            let byStatus = try await connection.query(
                "SELECT status, chunk IS NULL, count(*) FROM recipient WHERE job_id = \(jobID) GROUP BY 1, 2", logger: logger)
            for try await (status, isUncut, count) in byStatus.decode((String, Bool, Int).self) {
                recipients[status, default: 0] += count
                if isUncut && status == RecipientStatus.pending.rawValue { uncut = count }
            }
            var chunks: [String: Int] = [:]
            var open = RequestCount()
            // A chunk of one goes as a single message, whatever its kind (`ChunkLane`).
            let byState = try await connection.query(
                "SELECT state, kind = 'single' OR size = 1, count(*) FROM chunk WHERE job_id = \(jobID) GROUP BY 1, 2", logger: logger)
            for try await (state, single, count) in byState.decode((String, Bool, Int).self) {
                chunks[state, default: 0] += count
                if state == ChunkState.pending.rawValue || state == ChunkState.inflight.rawValue {
                    if single { open.messages += count } else { open.batches += count }
                }
            }
            // Pending rows not cut into chunks yet count as the requests they will make.
            if uncut > 0 {
                let requests = try await uncutRequests(jobID: jobID, uncut: uncut, on: connection)
                chunks[ChunkState.pending.rawValue, default: 0] += requests.total
                open = open + requests
            }
            return JobCounts(rows: recipients.values.reduce(0, +), recipients: recipients, chunks: chunks, openRequests: open)
        }
    }

    /// The requests that `uncut` pending rows without a chunk will make when `cutChunks` cuts them
    /// (`StateStore.uncutRequests`). For a job that groups texts, the server counts the texts by how many
    /// rows they have, so one row per distinct text size comes back, not one per text.
    func uncutRequests(jobID: Int64, uncut: Int, on connection: PostgresConnection) async throws -> RequestCount {
        guard let (storedSize, groupsTexts) = try await connection.query(
            "SELECT chunk_size, text_groups FROM job WHERE id = \(jobID)", logger: logger
        ).decode((Int, Int).self).collectFirst()
        else { return RequestCount() }
        let size = max(1, storedSize)
        guard groupsTexts != 0 else {
            let chunks = ChunkKind.chunks(for: uncut, size: size)
            // One per recipient, or batches whose last may hold one recipient and go as a single message.
            if size == 1 { return RequestCount(messages: chunks) }
            return uncut % size == 1 ? RequestCount(batches: chunks - 1, messages: 1) : RequestCount(batches: chunks)
        }
        var requests = RequestCount()
        let textSizes = try await connection.query(
            """
            SELECT c, count(*) FROM (
                SELECT count(*) AS c FROM recipient WHERE job_id = \(jobID) AND status = 'pending' AND chunk IS NULL
                GROUP BY window_group, content) AS texts
            GROUP BY c
            """, logger: logger)
        for try await (rows, texts) in textSizes.decode((Int, Int).self) {
            let each = ChunkKind.textGroupRequests(count: rows, size: size)
            requests = requests + RequestCount(batches: each.batches * texts, messages: each.messages * texts)
        }
        return requests
    }

    /// The recipients of a chunk, by row (`StateStore.members(jobID:seq:)`).
    public func members(jobID: Int64, seq: Int) async throws -> [ChunkMember] {
        try await serially { connection in
            let rows = try await connection.query(
                "SELECT row, e164, content FROM recipient WHERE job_id = \(jobID) AND chunk = \(seq) ORDER BY row", logger: logger)
            var members: [ChunkMember] = []
            for try await (row, e164, content) in rows.decode((Int, Int64, String?).self) {
                members.append(ChunkMember(row: row, e164: UInt64(e164), content: content))
            }
            return members
        }
    }

    /// The job called `name`, if any (`StateStore.job(named:)`); a stored value this version cannot read
    /// (an unknown phase or kind, settings or header that do not decode) throws `unreadableValue` instead
    /// of becoming a default.
    public func job(named name: String) async throws -> Job? {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT id, name, uuid, settings, phase, input_fingerprint, ingest_offset, ingest_line, ingest_rows, header,
                    created_at, chunk_kind, chunk_size, text_groups
                FROM job WHERE name = \(name)
                """, logger: logger)
            for try await row in rows { return try Self.job(from: row) }
            return nil
        }
    }

    /// A job row, in `job(named:)`'s column order.
    static func job(from row: PostgresRow) throws -> Job {
        let r = row.makeRandomAccess()
        let settingsText = try r[3].decode(String.self)
        let phaseText = try r[4].decode(String.self)
        let headerText = try r[9].decode(String.self)
        let kindText = try r[11].decode(String?.self)
        guard let phase = JobPhase(rawValue: phaseText) else {
            throw PostgresStateError(.unreadableValue(table: "job", column: "phase", value: phaseText))
        }
        var kind: ChunkKind?
        if let kindText {
            guard let known = ChunkKind(rawValue: kindText) else {
                throw PostgresStateError(.unreadableValue(table: "job", column: "chunk_kind", value: kindText))
            }
            kind = known
        }
        guard let settings = try? JSONDecoder().decode(JobSettings.self, from: Data(settingsText.utf8)) else {
            throw PostgresStateError(.unreadableValue(table: "job", column: "settings", value: String(settingsText.prefix(80))))
        }
        guard let header = try? JSONDecoder().decode([String].self, from: Data(headerText.utf8)) else {
            throw PostgresStateError(.unreadableValue(table: "job", column: "header", value: String(headerText.prefix(80))))
        }
        return Job(
            id: try r[0].decode(Int64.self), name: try r[1].decode(String.self), uuid: try r[2].decode(String.self),
            settings: settings, phase: phase, inputFingerprint: try r[5].decode(String.self),
            ingestOffset: try r[6].decode(Int64.self), ingestLine: try r[7].decode(Int.self), ingestRows: try r[8].decode(Int.self),
            header: header, createdAt: try r[10].decode(Double.self), chunkKind: kind, chunkSize: try r[12].decode(Int.self),
            groupsTexts: try r[13].decode(Int.self) != 0)
    }
}
