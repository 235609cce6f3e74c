import Foundation

/// One run per job at a time: an exclusive `flock(2)` on `<state>.lock`.
///
/// The kernel drops the lock when the holder dies, even by SIGKILL or power loss, so a lock left by a
/// killed run is recovered without a human, and there is no stale-PID guessing.
public final class JobLock {
    private let fd: Int32
    /// The lock file.
    public let path: String

    /// Takes the lock, or returns nil at once when another process holds it.
    public init?(statePath: String) throws {
        path = statePath + ".lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
