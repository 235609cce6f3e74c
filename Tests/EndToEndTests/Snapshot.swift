import Foundation
import Testing

/// Compares text against a file committed next to the tests (`Snapshots/<name>`).
///
/// `ZIETT_UPDATE_SNAPSHOTS=1 swift test` rewrites the files; review the diff before committing it.
func expectSnapshot(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name)").path
    if ProcessInfo.processInfo.environment["ZIETT_UPDATE_SNAPSHOTS"] == "1" || !FileManager.default.fileExists(atPath: path) {
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
        if ProcessInfo.processInfo.environment["ZIETT_UPDATE_SNAPSHOTS"] != "1" {
            Issue.record("snapshot \(name) was missing and has been recorded; review it and run again", sourceLocation: sourceLocation)
        }
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(actual == expected, "output differs from Snapshots/\(name) (ZIETT_UPDATE_SNAPSHOTS=1 to re-record)", sourceLocation: sourceLocation)
}
