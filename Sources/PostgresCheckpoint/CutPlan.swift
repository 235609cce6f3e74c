/// How `cutChunks` numbers the rows it cuts: a query over `todo` (row, window_group, content, size,
/// job_kind) giving each row its window group, its chunk's number among the new chunks (`n`, from 1, in
/// the order they are to be sent) and the chunk's kind. The same SQL as the SQLite state's plans, so the
/// same rows give the same chunks in both.
enum CutPlan {
    /// Each window group's rows, in row order, in whole chunks of `size` (its last one smaller); chunks
    /// numbered by their first row. Rows without a group form one group.
    case windowGroups
    /// A job that groups texts: each (window group, text)'s rows in `ChunkKind.textGroupSizes` chunks —
    /// `part` is that split row by row — a chunk of one being a single message. Texts in the order of
    /// their first row, each text's rows in row order, so a job whose texts all differ cuts one chunk per
    /// row in row order.
    case textGroups

    var sql: String {
        switch self {
        case .windowGroups:
            """
            SELECT row, window_group, dense_rank() OVER (ORDER BY chunk_first) AS n, job_kind AS kind FROM (
                SELECT row, window_group, job_kind, min(row) OVER (PARTITION BY window_group, part) AS chunk_first FROM (
                    SELECT row, window_group, job_kind, (row_number() OVER (PARTITION BY window_group ORDER BY row) - 1) / size AS part
                    FROM todo) AS parted) AS firsts
            """
        case .textGroups:
            """
            SELECT row, window_group, dense_rank() OVER (ORDER BY text_first, part) AS n,
                CASE WHEN (CASE WHEN part < larger THEN base + 1 ELSE base END) = 1 THEN 'single' ELSE 'batch' END AS kind FROM (
                SELECT row, window_group, text_first, base, larger,
                    CASE WHEN r < larger * (base + 1) THEN r / (base + 1) ELSE larger + (r - larger * (base + 1)) / base END AS part
                FROM (
                    SELECT row, window_group, text_first, r, c / ((c + size - 1) / size) AS base, c % ((c + size - 1) / size) AS larger
                    FROM (
                        SELECT row, window_group, size, min(row) OVER text_group AS text_first, count(*) OVER text_group AS c,
                            row_number() OVER text_group - 1 AS r
                        FROM todo
                        -- One sort for all three: the frame is the whole text, in row order.
                        WINDOW text_group AS (PARTITION BY window_group, content ORDER BY row
                            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS counted) AS sized) AS parted
            """
        }
    }
}
