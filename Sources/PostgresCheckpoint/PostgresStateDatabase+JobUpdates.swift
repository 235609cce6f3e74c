public import Checkpoint
import Foundation
import PostgresNIO
import Recipients

/// The job-row updates and a resumed ingest's reads of `StateStore` and `StateStore+InputChange.swift`,
/// each one statement or one transaction, with the same row changes and answers.
extension PostgresStateDatabase {
    /// The rows a keyset page of `forEachUsableRow` (and the recipient walks of the reports) reads at a
    /// time unless told otherwise: memory stays bounded by a page, whatever the job's size.
    public static let pageRows = 1_000

    /// Every job, oldest first (`StateStore.jobs`); a stored value this version cannot read throws
    /// `unreadableValue`, as `job(named:)` does.
    public func jobs() async throws -> [Job] {
        try await serially { connection in
            let rows = try await connection.query(
                """
                SELECT id, name, uuid, settings, phase, input_fingerprint, ingest_offset, ingest_line, ingest_rows, header,
                    created_at, chunk_kind, chunk_size, text_groups
                FROM job ORDER BY id
                """, logger: logger)
            var jobs: [Job] = []
            for try await row in rows { jobs.append(try Self.job(from: row)) }
            return jobs
        }
    }

    /// Records the CSV header (`StateStore.setHeader`), as JSON text like the SQLite state.
    public func setHeader(jobID: Int64, header: [String], now: Double) async throws {
        let json = String(decoding: try JSONEncoder().encode(header), as: UTF8.self)
        try await serially { connection in
            _ = try await connection.query("UPDATE job SET header = \(json), updated_at = \(now) WHERE id = \(jobID)", logger: logger)
        }
    }

    /// Moves a job to `phase` (`StateStore.setPhase`).
    public func setPhase(jobID: Int64, _ phase: JobPhase, now: Double) async throws {
        try await serially { connection in
            _ = try await connection.query(
                "UPDATE job SET phase = \(phase.rawValue), updated_at = \(now) WHERE id = \(jobID)", logger: logger)
        }
    }

    /// Replaces the stored input fingerprint (`StateStore.setInputFingerprint`; like it, leaves `updated_at`).
    public func setInputFingerprint(jobID: Int64, _ fingerprint: String) async throws {
        try await serially { connection in
            _ = try await connection.query("UPDATE job SET input_fingerprint = \(fingerprint) WHERE id = \(jobID)", logger: logger)
        }
    }

    /// The number of usable rows (pending or suppressed, with a number) stored for a job
    /// (`StateStore.usableRowCount`): what sizes a resumed ingest's duplicate check.
    public func usableRowCount(jobID: Int64) async throws -> Int {
        try await serially { connection in
            try await connection.query(
                """
                SELECT count(*) FROM recipient
                WHERE job_id = \(jobID) AND status IN ('pending', 'suppressed') AND e164 IS NOT NULL
                """, logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }

    /// Calls `body` with the number and row of every usable row of a job, in row order
    /// (`StateStore.forEachUsableRow`).
    ///
    /// Keyset pages of `pageRows` (`row > last ORDER BY row LIMIT n`, an index seek each) inside one
    /// `REPEATABLE READ` transaction: memory holds one page whatever the job's size, and every page reads
    /// the same snapshot, so rows another host stores meanwhile are neither half seen nor seen twice.
    public func forEachUsableRow(jobID: Int64, pageRows: Int = PostgresStateDatabase.pageRows, _ body: (_ e164: UInt64, _ row: Int) throws -> Void) async throws {
        try await forEachPage(pageRows: pageRows, { after in Self.usableRowsQuery(jobID: jobID, after: after, limit: pageRows) }) { record in
            let usable = try Self.usableRow(from: record)
            try body(usable.e164, usable.row)
            return Int64(usable.row)
        }
    }

    /// The number of the last data row stored for a job, 0 when none (`StateStore.lastRow`).
    public func lastRow(jobID: Int64) async throws -> Int {
        try await serially { connection in
            try await connection.query(
                "SELECT coalesce(max(row), 0) FROM recipient WHERE job_id = \(jobID)", logger: logger
            ).decode(Int.self).collectFirst() ?? 0
        }
    }

    /// Forgets everything a still-ingesting job read from its CSV, so ingest starts again on a replaced file
    /// (`StateStore.restartIngest`): its chunks, rows and suppression list, the reader position, the cut
    /// cursor and the header, and records `inputFingerprint`. Refused (`ingestRestartRefused`, nothing
    /// changes) once the job is past `ingesting` or has any attempt: nothing sent is ever forgotten.
    ///
    /// Locks the job row first, so a host cutting or completing the ingest at the same moment either goes
    /// first (and the phase check then refuses) or waits and finds no rows. Hosts that share a job ingest
    /// under its ingest lock, which the caller holds.
    public func restartIngest(jobID: Int64, inputFingerprint: String, now: Double) async throws {
        try await transaction { connection in
            let phase = try await connection.query(
                "SELECT phase FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger
            ).decode(String.self).collectFirst()
            let attempts = try await connection.query(
                "SELECT count(*) FROM attempt WHERE job_id = \(jobID)", logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            guard phase == JobPhase.ingesting.rawValue, attempts == 0 else {
                throw PostgresStateError(.ingestRestartRefused(jobID: jobID))
            }
            try await connection.query("DELETE FROM chunk WHERE job_id = \(jobID)", logger: logger)
            try await connection.query("DELETE FROM recipient WHERE job_id = \(jobID)", logger: logger)
            try await connection.query("DELETE FROM suppression WHERE job_id = \(jobID)", logger: logger)
            try await connection.query(
                """
                UPDATE job SET ingest_offset = 0, ingest_line = 0, ingest_rows = 0, cut_row = 0, header = '[]',
                    input_fingerprint = \(inputFingerprint), updated_at = \(now)
                WHERE id = \(jobID)
                """, logger: logger)
        }
    }
}

extension PostgresStateDatabase {
    /// Appends the rows of a changed input to a planned or complete job, records the new fingerprint and
    /// moves the job back to `planned`, in one transaction (`StateStore.appendChangedInput`): a crash half-way
    /// leaves the job as it was. Returns how many new recipients were queued.
    ///
    /// `read` is called once, with the job's last stored row and a function that stores a batch of rows
    /// numbered after it. A usable row whose number the job already has (pending, sent or rejected, earlier
    /// in this same input included) is stored as `duplicate`, one on the suppression list as `suppressed`,
    /// exactly as the SQLite state decides. Row by row (three statements each), in order, since a row's
    /// fate depends on the rows stored before it: fine for the few rows a changed file adds, slow for a
    /// whole new file. Locks the job row first, so no host cuts or re-queues the job meanwhile.
    public func appendChangedInput(
        jobID: Int64, inputFingerprint: String, now: Double,
        read: nonisolated(nonsending) (_ lastRow: Int, _ store: (_ rows: [IngestRow]) async throws -> Void) async throws -> Void
    ) async throws -> Int {
        try await transaction { connection in
            try await connection.query("SELECT id FROM job WHERE id = \(jobID) FOR UPDATE", logger: logger)
            let last = try await connection.query(
                "SELECT coalesce(max(row), 0) FROM recipient WHERE job_id = \(jobID)", logger: logger
            ).decode(Int.self).collectFirst() ?? 0
            var queued = 0
            try await read(last) { rows in
                for var row in rows {
                    if let e164 = row.e164, row.status == .pending {
                        let number = Int64(e164)
                        let first = try await connection.query(
                            """
                            SELECT row FROM recipient WHERE job_id = \(jobID) AND e164 = \(number)
                                AND status IN ('pending', 'sent', 'rejected') ORDER BY row LIMIT 1
                            """, logger: logger
                        ).decode(Int.self).collectFirst()
                        let isSuppressed = try await connection.query(
                            "SELECT EXISTS (SELECT 1 FROM suppression WHERE job_id = \(jobID) AND e164 = \(number))", logger: logger
                        ).decode(Bool.self).collectFirst() ?? false
                        if row.settleAgainstJob(firstRow: first, suppressed: isSuppressed) { queued += 1 }
                    }
                    // The number type as its code in text, as the SQLite state stores it.
                    let type = row.numberType.map { String($0.code) }
                    try await connection.query(
                        """
                        INSERT INTO recipient (job_id, row, line, phone, e164, status, reason, content, number_type, window_group, updated_at)
                        VALUES (\(jobID), \(row.row), \(row.line), \(row.phone), \(row.e164.map { Int64($0) }), \(row.status.rawValue),
                            \(row.reason), \(row.content), \(type), \(row.windowGroup), \(now))
                        """, logger: logger)
                }
            }
            try await connection.query(
                """
                UPDATE job SET phase = \(JobPhase.planned.rawValue), input_fingerprint = \(inputFingerprint), updated_at = \(now)
                WHERE id = \(jobID)
                """, logger: logger)
            return queued
        }
    }
}
