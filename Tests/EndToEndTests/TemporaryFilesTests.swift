import Foundation
import Synchronization
import Testing
import TestSupport

extension EndToEnd {
    /// The `.temporaryFiles` trait deletes a test's directory however the test ends: the suite leaves
    /// nothing behind, also when a test fails.
    @Suite("Temporary files")
    struct TemporaryFilesTests {
        struct Failure: Error {}

        /// Runs `body` in a scope of its own, as the trait runs a test, and returns the scope's directory.
        func directory(of body: @escaping @Sendable () throws -> Void) async -> (path: String?, threw: Bool) {
            let seen = Mutex<String?>(nil)
            var threw = false
            do {
                try await TemporaryFilesTrait().provideScope(for: Test.current!, testCase: Test.Case.current) {
                    seen.withLock { $0 = TemporaryFiles.root }
                    let made = temporaryDirectory()
                    try Data("state".utf8).write(to: URL(fileURLWithPath: made + "/state.sqlite"))
                    try body()
                }
            } catch {
                threw = true
            }
            return (seen.withLock { $0 }, threw)
        }

        @Test func aTestThatThrowsLeavesNoDirectory() async throws {
            let (path, threw) = await directory { throw Failure() }
            #expect(threw)
            let root = try #require(path)
            #expect(root.hasPrefix(NSTemporaryDirectory() + TemporaryFiles.prefix))
            #expect(!FileManager.default.fileExists(atPath: root), "\(root) is left behind")
        }

        @Test func aTestThatPassesLeavesNoDirectory() async throws {
            let (path, threw) = await directory {}
            #expect(!threw)
            let root = try #require(path)
            #expect(!FileManager.default.fileExists(atPath: root), "\(root) is left behind")
        }

        @Test func eachTestHasADirectoryOfItsOwnInsideWhichTemporaryDirectoriesAreMade() throws {
            let root = try #require(TemporaryFiles.root, "the EndToEnd suite's trait applies to nested suites")
            let made = temporaryDirectory()
            #expect(made.hasPrefix(root + "/"))
            #expect(FileManager.default.fileExists(atPath: made))
        }
    }
}
