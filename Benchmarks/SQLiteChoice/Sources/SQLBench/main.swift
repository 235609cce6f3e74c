import CSQLite
import Foundation
import GRDB

let n = 1_000_000
let schema = "CREATE TABLE recipient (job_id INTEGER NOT NULL, row INTEGER NOT NULL, line INTEGER NOT NULL, phone TEXT NOT NULL, e164 INTEGER, status TEXT NOT NULL, reason TEXT, content TEXT, PRIMARY KEY (job_id, row)) WITHOUT ROWID"
let sql = "INSERT INTO recipient (job_id, row, line, phone, e164, status, reason, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
func fresh(_ p: String) { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: p + s) } }

func direct() -> Double {
    let path = "/tmp/sqlbench-direct.sqlite"; fresh(path)
    var db: OpaquePointer?
    sqlite3_open(path, &db)
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; " + schema, nil, nil, nil)
    var st: OpaquePointer?
    sqlite3_prepare_v3(db, sql, -1, 0, &st, nil)
    let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    let t = Date()
    var i = 0
    while i < n {
        sqlite3_exec(db, "BEGIN", nil, nil, nil)
        for j in i..<min(n, i + 20_000) {
            let phone = "+24492\(j)"
            let content = "Hello Client \(j), your code is \(j % 1_000_000)."
            sqlite3_bind_int64(st, 1, 1); sqlite3_bind_int64(st, 2, Int64(j)); sqlite3_bind_int64(st, 3, Int64(j + 1))
            sqlite3_bind_text(st, 4, phone, -1, transient); sqlite3_bind_int64(st, 5, Int64(244_920_000_000 + j))
            sqlite3_bind_text(st, 6, "pending", -1, transient); sqlite3_bind_null(st, 7); sqlite3_bind_text(st, 8, content, -1, transient)
            sqlite3_step(st); sqlite3_reset(st)
        }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
        i += 20_000
    }
    let dt = Date().timeIntervalSince(t)
    sqlite3_finalize(st); sqlite3_close(db)
    return dt
}

func grdb() throws -> Double {
    let path = "/tmp/sqlbench-grdb.sqlite"; fresh(path)
    var config = Configuration()
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous=OFF") }
    let pool = try DatabasePool(path: path, configuration: config)
    try pool.write { db in try db.execute(sql: schema) }
    let t = Date()
    var i = 0
    while i < n {
        try pool.write { db in
            let st = try db.cachedStatement(sql: sql)
            for j in i..<min(n, i + 20_000) {
                st.setUncheckedArguments([1, j, j + 1, "+24492\(j)", 244_920_000_000 + j, "pending", nil, "Hello Client \(j), your code is \(j % 1_000_000)."])
                try st.execute()
            }
        }
        i += 20_000
    }
    return Date().timeIntervalSince(t)
}

var d: [Double] = [], g: [Double] = []
for _ in 0..<3 { d.append(direct()); g.append(try grdb()) }
d.sort(); g.sort()
print(String(format: "direct libsqlite3: median %.2f s (%.0f k rows/s); GRDB cachedStatement+setUncheckedArguments: median %.2f s (%.0f k rows/s); ratio %.2f", d[1], Double(n) / d[1] / 1000, g[1], Double(n) / g[1] / 1000, g[1] / d[1]))
