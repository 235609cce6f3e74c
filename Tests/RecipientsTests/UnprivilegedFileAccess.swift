import Foundation
import Testing

/// Runs code with file permission checks in force, also when the tests run as root (as CI does).
///
/// Root reads a chmod-000 file (CAP_DAC_OVERRIDE), so a permission test would prove nothing there. As root,
/// `run` switches the calling thread's filesystem uid to `nobody` with setfsuid(2), which drops the file
/// capabilities with it, runs the body, and switches back. setfsuid acts on the calling thread only, so
/// tests running in parallel are unaffected; the body must be synchronous (no suspension, no thread hop).
enum UnprivilegedFileAccess {
    /// The uid of `nobody`.
    static let nobody: uid_t = 65_534

    /// Runs `body` with an unprivileged filesystem uid; as a non-root user, runs it as is.
    static func run<T>(_ body: () throws -> T) throws -> T {
        guard geteuid() == 0 else { return try body() }
        let setfsuid = try #require(setFSUID, "setfsuid(2) not found in the C library")
        _ = setfsuid(nobody)
        // setfsuid returns the previous uid, and changes nothing for an invalid one: so this reads it back.
        let current = setfsuid(uid_t.max)
        defer {
            _ = setfsuid(0)
            precondition(setfsuid(uid_t.max) == 0, "could not switch the filesystem uid back to root")
        }
        try #require(current == nobody, "setfsuid(\(nobody)) did not take effect (filesystem uid \(current))")
        return try body()
    }

    private typealias SetFSUID = @convention(c) (uid_t) -> Int32

    /// glibc's setfsuid, found at run time: <sys/fsuid.h> is not part of the Glibc module.
    private static var setFSUID: ((uid_t) -> uid_t)? {
        guard let symbol = dlsym(nil, "setfsuid") else { return nil }
        let function = unsafeBitCast(symbol, to: SetFSUID.self)
        return { uid_t(bitPattern: function($0)) }
    }
}
