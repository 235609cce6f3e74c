import Foundation
import Recipients
import Testing
import TestSupport
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
    /// The exit code, or the signal number when `signal` is set.
    var status: Int32
    /// The signal that ended the process, nil when it exited.
    var signal: Int32?
    /// True when this test sent SIGKILL and the process indeed died of it (not of its own accord meanwhile).
    var killed: Bool
    var stdout: String
    var stderr: String
}

/// A running `ziett-batch`, its output going to files that can be read while it runs.
///
/// Files, not pipes: reading pipes would block threads of the cooperative pool, which the in-process
/// simulator needs to answer the very child we are reading from.
final class Child {
    let process = Process()
    private let outPath: String
    private let errPath: String
    private let out: FileHandle
    private let err: FileHandle
    private var sentKill = false

    /// Starts the binary with `arguments`, the test's environment plus `environment`.
    init(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: Binary.path)
        process.arguments = arguments
        // Inside the test's own directory (deleted with it even if this object never is), else beside it.
        outPath = (TemporaryFiles.root.map { $0 + "/" } ?? NSTemporaryDirectory()) + "zb-out-" + UUID().uuidString
        var env = ProcessInfo.processInfo.environment
        // Each child paces its key alone unless a test shares a ledger on purpose: tests run in parallel
        // with the same test keys at very different rates, and must not slow each other down.
        env["ZIETT_BATCH_KEY_LEDGER_DIR"] = outPath + ".keys"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        errPath = outPath + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? out.close()
        try? err.close()
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        try? FileManager.default.removeItem(atPath: outPath + ".keys")
    }

    var isRunning: Bool { process.isRunning }

    /// What the child has written to standard output so far.
    var stdoutSoFar: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// What the child has written to standard error so far.
    var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Sends SIGKILL if the child still runs. Whether it landed shows in `finish()`'s `killed`.
    func sendSIGKILL() {
        guard process.isRunning else { return }
        sentKill = true
        kill(process.processIdentifier, SIGKILL)
    }

    /// Sends SIGTERM (the stop a service manager sends).
    func terminate() { process.terminate() }

    /// Waits until the child exits or `seconds` pass, whichever is first.
    func waitForExit(atMost seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(2)) }
    }

    /// Waits for the child to end and returns its status and output.
    func finish() async throws -> ProcessResult {
        while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        let signal = process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
        return ProcessResult(
            status: process.terminationStatus, signal: signal, killed: sentKill && signal == SIGKILL,
            stdout: stdoutSoFar, stderr: stderrSoFar)
    }
}

/// Runs the binary with `arguments` to its end, or kills it with SIGKILL after `killAfter` seconds.
func runBinary(_ arguments: [String], environment: [String: String] = [:], killAfter: Double? = nil, directory: String? = nil) async throws -> ProcessResult {
    let child = try Child(arguments, environment: environment, directory: directory)
    if let killAfter {
        try await child.waitForExit(atMost: killAfter)
        child.sendSIGKILL()
    }
    return try await child.finish()
}

/// A readiness condition that did not come true in time.
struct NotReady: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` until it holds; throws `NotReady` naming `what` after `timeout`.
///
/// For ordering processes by what they did (a line written, a request accepted), never by how long they
/// usually take: the deadline only bounds a hang, it decides nothing.
func waitUntil(_ what: String, timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while try await !condition() {
        if clock.now >= deadline { throw NotReady(description: "timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// A generated recipients CSV, and what a correct job does with it, known from how it was written (not
/// from the code under test).
struct RecipientsFixture {
    /// The CSV.
    var path: String
    /// For each valid number (E.164), the `name` cell of its first row: it must be sent exactly once, with
    /// that row's text. Later rows with the same number are duplicates; too-short numbers are invalid.
    var names: [String: String]

    /// The E.164 numbers that must be sent exactly once.
    var expected: Set<String> { Set(names.keys) }
}

/// Writes a recipients CSV of `count` distinct valid Angolan numbers in mixed formats, plus a few
/// invalid and duplicate rows. With `sharedNames` > 0, two rows in three share one of that many names
/// (`Group k`), so a personalised text repeats; every third row keeps a name of its own.
func writeRecipientsFixture(count: Int, in directory: String, seed: UInt64, sharedNames: Int = 0) throws -> RecipientsFixture {
    var rng = TestRandom(seed: seed)
    var lines = ["phone,name"]
    var names: [String: String] = [:]
    var numbers: [String] = []
    while numbers.count < count {
        let prefixes = ["91", "92", "93", "94", "95", "99"]  // Angolan mobile ranges
        let national = prefixes[Int(rng.next() % 6)] + String(format: "%07d", Int(rng.next() % 10_000_000))
        let e164 = "+244" + national
        if names[e164] != nil { continue }
        numbers.append(national)
        let name = sharedNames > 0 && !numbers.count.isMultiple(of: 3)
            ? "Group \(Int(rng.next() % UInt64(sharedNames)))" : "Person \(numbers.count)"
        names[e164] = name
        let forms = ["+244\(national)", national, "00244\(national)", "+244 \(national.prefix(3)) \(national.dropFirst(3).prefix(3)) \(national.suffix(3))"]
        lines.append("\(forms[Int(rng.next() % 4)]),\(name)")
        if rng.next() % 20 == 0 { lines.append("\(national.prefix(5)),Too Short") }
        if rng.next() % 15 == 0, let again = numbers.randomElement(using: &rng) { lines.append("+244\(again),Duplicate") }
    }
    let path = directory + "/recipients.csv"
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return RecipientsFixture(path: path, names: names)
}

/// `writeRecipientsFixture`, as the path and the numbers that must be sent exactly once.
func writeRecipients(count: Int, in directory: String, seed: UInt64) throws -> (path: String, expected: Set<String>) {
    let fixture = try writeRecipientsFixture(count: count, in: directory, seed: seed)
    return (fixture.path, fixture.expected)
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
/// 2-core machine parallel runs would measure the scheduler instead of the product. Each test's files go
/// in a directory of its own, deleted when it ends (`.temporaryFiles`).
@Suite(.serialized, .temporaryFiles) enum EndToEnd {}

extension SimulatorConfiguration {
    /// No rate limits, and campaigns and messages reach their final states at once (for tracking tests).
    static var instantUnlimited: SimulatorConfiguration {
        var config = SimulatorConfiguration.unlimited
        config.lifecycle = .instant
        return config
    }
}

/// Batches sent under a key's limit of `perSecond`: none refused with 429, `count` accepted, and their
/// combined rate at least `share` of the limit. Returns the accepted batches' times, sorted.
@discardableResult
func expectBatchesKeptTheKeysLimit(
    _ ledger: LedgerSnapshot, count: Int, perSecond: Double, share: Double, label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [Double] {
    #expect(ledger.responses["POST /campaigns/batch 429"] == nil, "\(ledger.responses)", sourceLocation: sourceLocation)
    let accepted = ledger.requests.filter { $0.endpoint == "POST /campaigns/batch" && $0.status == 202 }.map(\.time).sorted()
    #expect(accepted.count == count, sourceLocation: sourceLocation)
    guard let first = accepted.first, let last = accepted.last, last > first else { return accepted }
    let rate = Double(accepted.count - 1) / (last - first)
    print("[\(label)] \(accepted.count) batches at \(String(format: "%.3f", rate))/s, limit \(perSecond)/s, responses \(ledger.responses)")
    #expect(rate >= share * perSecond, "combined rate \(rate)/s", sourceLocation: sourceLocation)
    return accepted
}

/// The simulator's ledger shows every number of `expected` accepted exactly once and no other number: the
/// promise of every kill, stall and fault test. (`expected` comes from the fixture, never from the state.)
func expectEachAcceptedExactlyOnce(
    _ ledger: LedgerSnapshot, expected: Set<String>, sourceLocation: SourceLocation = #_sourceLocation
) {
    var sentTo: [String: Int] = [:]
    for message in ledger.messages { sentTo[message.e164, default: 0] += 1 }
    let wrong = expected.filter { sentTo[$0] != 1 }.map { "\($0): \(sentTo[$0] ?? 0) time(s)" }
    let unexpected = Set(sentTo.keys).subtracting(expected)
    #expect(wrong.isEmpty, "\(wrong.count) number(s) not sent exactly once: \(wrong.sorted().prefix(5))", sourceLocation: sourceLocation)
    #expect(unexpected.isEmpty, "sent to numbers not in the CSV: \(unexpected.prefix(5))", sourceLocation: sourceLocation)
}
