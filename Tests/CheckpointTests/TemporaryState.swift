@testable import Checkpoint
import Foundation

/// A fixed wall clock: the time a test expects the state to record.
struct FixedWallClock: WallClock {
    var time: Double
    func now() -> Double { time }
}

/// Runs `body` with a store on a fresh state file in its own temporary directory, deleted afterwards.
func withTemporaryStore<T>(clock: any WallClock = SystemWallClock(), _ body: (SQLiteStateStore) throws -> T) throws -> T {
    let directory = NSTemporaryDirectory() + "zb-checkpoint-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(try SQLiteStateStore(path: directory + "/state.sqlite", clock: clock))
}

/// Settings for a test job.
func testSettings(message: String = "m", chunkSize: Int = 2) -> JobSettings {
    JobSettings(csvPath: "x.csv", sender: "s", message: message, country: "AO", phoneColumn: nil, chunkSize: chunkSize)
}

/// A valid pending row with a number, and `content` when personalised.
func pendingRow(_ n: Int, content: String? = nil, status: RecipientStatus = .pending) -> IngestRow {
    IngestRow(row: n, line: n + 1, phone: "+\(244_923_000_000 + n)", e164: 244_923_000_000 + UInt64(n), status: status,
              reason: status == .pending ? nil : "why", content: content)
}
