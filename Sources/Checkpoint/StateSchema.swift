import SQLite

/// The state file's schema, one migration per change.
///
/// Column names mirror the domain (job, recipient, chunk, attempt) so that an operator can read the file
/// with the `sqlite3` shell; docs/state.md describes every column.
enum StateSchema {
    static let migrator = SQLiteMigrator([
        .init(
            "initial",
            """
            CREATE TABLE job (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                uuid TEXT NOT NULL,
                settings TEXT NOT NULL,
                phase TEXT NOT NULL,
                input_fingerprint TEXT NOT NULL,
                header TEXT NOT NULL DEFAULT '[]',
                ingest_offset INTEGER NOT NULL DEFAULT 0,
                ingest_line INTEGER NOT NULL DEFAULT 0,
                ingest_rows INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE recipient (
                job_id INTEGER NOT NULL REFERENCES job(id),
                row INTEGER NOT NULL,
                line INTEGER NOT NULL,
                phone TEXT NOT NULL,
                e164 INTEGER,
                status TEXT NOT NULL,
                reason TEXT,
                content TEXT,
                chunk INTEGER,
                campaign_id TEXT,
                message_id TEXT,
                trace_id TEXT,
                delivery_status TEXT,
                delivery_error TEXT,
                cost TEXT,
                updated_at REAL,
                PRIMARY KEY (job_id, row)
            ) WITHOUT ROWID;
            CREATE TABLE chunk (
                job_id INTEGER NOT NULL REFERENCES job(id),
                seq INTEGER NOT NULL,
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                size INTEGER NOT NULL,
                parent_seq INTEGER,
                name TEXT,
                body BLOB,
                idempotency_key TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_attempt_at REAL,
                not_before REAL,
                in_doubt INTEGER NOT NULL DEFAULT 0,
                campaign_id TEXT,
                message_id TEXT,
                http_status INTEGER,
                error_code TEXT,
                error_message TEXT,
                error_fields TEXT,
                trace_id TEXT,
                updated_at REAL,
                PRIMARY KEY (job_id, seq)
            );
            CREATE INDEX chunk_state ON chunk(job_id, state, seq);
            CREATE TABLE attempt (
                id INTEGER PRIMARY KEY,
                job_id INTEGER NOT NULL,
                chunk_seq INTEGER NOT NULL,
                endpoint TEXT NOT NULL,
                started_at REAL NOT NULL,
                finished_at REAL,
                outcome TEXT,
                http_status INTEGER,
                error_code TEXT,
                trace_id TEXT
            );
            CREATE INDEX attempt_time ON attempt(endpoint, started_at);
            CREATE TABLE suppression (
                job_id INTEGER NOT NULL,
                e164 INTEGER NOT NULL,
                PRIMARY KEY (job_id, e164)
            ) WITHOUT ROWID;
            """),
        // Every chunk transition reads or updates its recipients by chunk number: without this index each
        // one scanned the whole job (a million-recipient job made a million scans). Migration 3 makes it
        // partial (WHERE chunk IS NOT NULL), which the planner uses for `chunk = ?` (a test checks the plans). The
        // statistics say what ANALYZE would on a real job (many rows per job, few per chunk); without them
        // the planner prefers walking the primary key for `ORDER BY row` over this index. The second
        // ANALYZE of the schema table makes this connection load them at once.
        .init(
            "recipient by chunk",
            """
            CREATE INDEX recipient_chunk ON recipient(job_id, chunk);
            ANALYZE sqlite_schema;
            INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
                ('recipient', 'recipient', '1000000 1000000 1'),
                ('recipient', 'recipient_chunk', '1000000 1000000 10');
            ANALYZE sqlite_schema;
            """),
        // Chunks are cut from the pending rows when the sender needs them, not while reading the CSV: a
        // personalised text makes one chunk per recipient, and writing a million chunk rows and index
        // entries during ingest cost more than reading, validating and storing the rows themselves
        // (docs/performance.md). The job records how it cuts (`chunk_kind`, `chunk_size`: 1 for single
        // messages) and how far it has cut (`cut_row`: every pending row after it has no chunk yet). Rows
        // without a chunk stay out of `recipient_chunk`, so ingest writes one B-tree per row, not two.
        // Jobs from before this version: a planned one has cut everything; one still reading its CSV (nothing
        // sent yet) forgets its chunks and cuts them again when it sends.
        .init(
            "chunks cut when needed",
            """
            ALTER TABLE job ADD COLUMN chunk_kind TEXT;
            ALTER TABLE job ADD COLUMN chunk_size INTEGER NOT NULL DEFAULT 1000;
            ALTER TABLE job ADD COLUMN cut_row INTEGER NOT NULL DEFAULT 0;
            DELETE FROM chunk WHERE job_id IN (SELECT id FROM job WHERE phase = 'ingesting');
            UPDATE recipient SET chunk = NULL WHERE job_id IN (SELECT id FROM job WHERE phase = 'ingesting');
            UPDATE job SET
                chunk_kind = (SELECT kind FROM chunk WHERE chunk.job_id = job.id ORDER BY seq LIMIT 1),
                cut_row = coalesce((SELECT max(row) FROM recipient WHERE recipient.job_id = job.id AND chunk IS NOT NULL), 0);
            UPDATE job SET chunk_size = CASE WHEN chunk_kind = 'single' THEN 1
                ELSE coalesce(json_extract(settings, '$.chunkSize'), 1000) END;
            DROP INDEX recipient_chunk;
            CREATE INDEX recipient_chunk ON recipient(job_id, chunk) WHERE chunk IS NOT NULL;
            DELETE FROM sqlite_stat1 WHERE idx = 'recipient_chunk';
            INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('recipient', 'recipient_chunk', '1000000 1000000 10');
            ANALYZE sqlite_schema;
            """),
        // Send windows and number types (issue 13): each row's libphonenumber type, and its window group (its
        // time zones, space-separated; NULL when the job has no send window). Rows of one group open and close
        // together, so a batch is cut from one group only and never waits for a far-away number; the chunk
        // records its group. A row past the campaign's end (`--not-after`) becomes `expired`, and so does its
        // chunk. Older jobs keep NULLs: no window, type unknown.
        .init(
            "send windows and number types",
            """
            ALTER TABLE recipient ADD COLUMN number_type TEXT;
            ALTER TABLE recipient ADD COLUMN window_group TEXT;
            ALTER TABLE chunk ADD COLUMN window_group TEXT;
            """),
        // Before a job's first request, the API is asked whether the same campaign (CSV content, sender,
        // message) was sent recently from another state file; the answer is recorded once, so a resumed run
        // does not mistake the job's own requests for another's. Jobs from before this version have either
        // sent already (nothing to check) or check at their first request.
        .init(
            "resend check",
            """
            ALTER TABLE job ADD COLUMN resend_check TEXT;
            UPDATE job SET resend_check = 'predates the check' WHERE EXISTS (SELECT 1 FROM attempt WHERE attempt.job_id = job.id);
            """),
        // Grouped texts (issue 14): a personalised job's recipients whose rendered text (and window group) is
        // the same share batches; a text that occurs once goes as a single message. `text_groups` = 1 marks
        // such a job (its `chunk_size` is then the batch size, not 1). Jobs from before keep one message per
        // recipient, so a job resumed across the upgrade cuts exactly as it began.
        .init(
            "grouped texts",
            """
            ALTER TABLE job ADD COLUMN text_groups INTEGER NOT NULL DEFAULT 0;
            """),
        // A job that groups texts sends batches and single messages side by side, asking for the next open
        // chunk of each lane before every request: one partial index per lane keeps that a seek, where the
        // primary key made it a walk over every chunk after the cursor (all of them, in a job whose texts
        // all differ and that has no batch). Each costs one more B-tree write per chunk change, in every job.
        // And the attempts of a chunk by (job, chunk): every answer settles the chunk's earlier attempts
        // (`settleDoubts`), and without this index each did so by scanning every attempt of every job, so
        // a million single messages cost a million scans of a growing table (the bench measured the client's
        // CPU per message tripling from 5 k to 47 k messages).
        .init(
            "lane indexes",
            """
            CREATE INDEX IF NOT EXISTS attempt_chunk ON attempt(job_id, chunk_seq);
            CREATE INDEX IF NOT EXISTS chunk_open_batches ON chunk(job_id, seq)
                WHERE state IN ('pending', 'inflight') AND kind = 'batch' AND size > 1;
            CREATE INDEX IF NOT EXISTS chunk_open_messages ON chunk(job_id, seq)
                WHERE state IN ('pending', 'inflight') AND (kind = 'single' OR size = 1);
            """),
    ])
}
