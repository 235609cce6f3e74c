import Foundation
import Recipients
import Testing
import ZiettSimulator

/// Helpers for tests that run the real `ziett-batch` binary.
enum Binary {
    /// The built `ziett-batch` executable, next to the test bundle.
    static var path: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        // On Linux the test runner is .build/<config>/<pkg>PackageTests.xctest; on macOS a bundle.
        for _ in 0..<4 {
            let candidate = dir + "/ziett-batch"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = (dir as NSString).deletingLastPathComponent
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/ziett-batch").path
    }

    /// The repository's top directory.
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}

/// A finished child process.
struct ProcessResult {
    var status: Int32
    var killed: Bool
    var stdout: String
    var stderr: String
}

/// Runs the binary with `arguments`, optionally killing it with SIGKILL after `killAfter` seconds.
func runBinary(_ arguments: [String], environment: [String: String] = [:], killAfter: Double? = nil, directory: String? = nil) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Binary.path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    // Output goes to files, not pipes: reading pipes would block threads of the cooperative pool, which
    // the in-process simulator needs to answer the very child we are reading from.
    let outPath = NSTemporaryDirectory() + "zb-out-" + UUID().uuidString
    let errPath = outPath + ".err"
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    process.standardOutput = out
    process.standardError = err
    try process.run()
    defer {
        try? out.close()
        try? err.close()
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    var killed = false
    if let killAfter {
        let deadline = Date().addingTimeInterval(killAfter)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            killed = true
        }
    }
    while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
    let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return ProcessResult(status: process.terminationStatus, killed: killed, stdout: stdout, stderr: stderr)
}

/// A fresh temporary directory.
func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "ziett-batch-tests-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes a recipients CSV of `count` distinct valid Angolan numbers in mixed formats, plus a few
/// invalid and duplicate rows. Returns the path and the E.164 numbers that must be sent exactly once.
func writeRecipients(count: Int, in directory: String, seed: UInt64) throws -> (path: String, expected: Set<String>) {
    var rng = TestRandom(seed: seed)
    var lines = ["phone,name"]
    var expected = Set<String>()
    var numbers: [String] = []
    while numbers.count < count {
        let prefixes = ["91", "92", "93", "94", "95", "99"]  // Angolan mobile ranges
        let national = prefixes[Int(rng.next() % 6)] + String(format: "%07d", Int(rng.next() % 10_000_000))
        let e164 = "+244" + national
        if expected.contains(e164) { continue }
        expected.insert(e164)
        numbers.append(national)
        let forms = ["+244\(national)", national, "00244\(national)", "+244 \(national.prefix(3)) \(national.dropFirst(3).prefix(3)) \(national.suffix(3))"]
        lines.append("\(forms[Int(rng.next() % 4)]),Person \(numbers.count)")
        if rng.next() % 20 == 0 { lines.append("\(national.prefix(5)),Too Short") }
        if rng.next() % 15 == 0, let again = numbers.randomElement(using: &rng) { lines.append("+244\(again),Duplicate") }
    }
    let path = directory + "/recipients.csv"
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return (path, expected)
}

/// Reproducible test data.
typealias TestRandom = SplitMix64

/// The seed for randomised tests: `ZIETT_TEST_SEED` to replay a failure, else random (printed).
func testSeed(_ name: String) -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["ZIETT_TEST_SEED"], let seed = UInt64(text) { return seed }
    let seed = UInt64.random(in: 1...UInt64(Int32.max))
    print("[\(name)] seed \(seed) (replay with ZIETT_TEST_SEED=\(seed))")
    return seed
}

/// Every end-to-end suite runs one test at a time: they spawn real processes and measure rates, and on a
/// 2-core machine parallel runs would measure the scheduler instead of the product.
@Suite(.serialized) enum EndToEnd {}

extension SimulatorConfiguration {
    /// No rate limits, and campaigns and messages reach their final states at once (for tracking tests).
    static var instantUnlimited: SimulatorConfiguration {
        var config = SimulatorConfiguration.unlimited
        config.lifecycle = .instant
        return config
    }
}
