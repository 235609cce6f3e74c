import Foundation
public import Testing

/// Every file and directory a test creates goes under one directory of its own, deleted when the test
/// ends: passed, failed, or thrown out of. `@Suite(.temporaryFiles)` (or `@Test(.temporaryFiles)`) gives
/// each test of the suite, nested suites included, that directory; `temporaryDirectory()` makes fresh
/// directories inside it.
///
/// The deletion is a `defer` around the test, not a step at its end that a failing `#require` or a thrown
/// error would skip. Only a test process killed outright (SIGKILL, a crash) leaves its directory behind,
/// named `zb-test-<pid>-…` so that it is easy to find. Shared by every test target through this small
/// `TestSupport` target.
public struct TemporaryFilesTrait: TestTrait, SuiteTrait, TestScoping {
    /// A trait for every test of a suite.
    public init() {}

    public var isRecursive: Bool { true }

    /// A scope for each test case, none for a suite as a whole.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let root = try TemporaryFiles.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await TemporaryFiles.$root.withValue(root) { try await function() }
    }
}

extension Trait where Self == TemporaryFilesTrait {
    /// Each test gets a temporary directory of its own, deleted when it ends however it ends.
    public static var temporaryFiles: Self { Self() }
}

/// Where the current test's temporary files go.
public enum TemporaryFiles {
    /// The current test's directory, set by `TemporaryFilesTrait` for the test's task and its child tasks.
    @TaskLocal public static var root: String?

    /// The name every test directory starts with, followed by the test process's id.
    public static let prefix = "zb-test-"

    /// A new, empty directory for one test.
    public static func makeRoot() throws -> String {
        let path = NSTemporaryDirectory() + prefix + "\(getpid())-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A fresh directory inside the current test's temporary directory (see `TemporaryFilesTrait`).
///
/// Called outside a test with the `.temporaryFiles` trait, it records an issue: nothing would delete the
/// directory.
public func temporaryDirectory(sourceLocation: SourceLocation = #_sourceLocation) -> String {
    guard let root = TemporaryFiles.root else {
        Issue.record("temporaryDirectory() outside a test with the .temporaryFiles trait: nothing would delete it", sourceLocation: sourceLocation)
        let path = NSTemporaryDirectory() + TemporaryFiles.prefix + "unscoped-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
    let path = root + "/" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
