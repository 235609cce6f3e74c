import Foundation
import SQLite
#if canImport(Glibc)
import Glibc
#endif

/// One writer per state file and role, whatever path reaches it: an exclusive lock on a byte of the state
/// file itself, one byte per role.
///
/// Why the file itself and not a `<state>.lock` beside it: a lock file is found by name, so a symlink or
/// a hard link to the state file (`/srv/jobs/march.sqlite` and `~/march.sqlite`), or the same file
/// reached through a bind mount, named a different lock and let two writers in. A lock on the file follows
/// the inode, so every path to it meets the same lock.
///
/// Why a byte per role: the sender (`run`, `retry`) and the tracker (`track`) write different columns and
/// may work side by side (tracking a three-day campaign while it sends), but never two senders or two
/// trackers; a schema migration takes both bytes. The locks are Linux open-file-description locks
/// (`F_OFD_SETLK`) on bytes 0 and 1: they conflict across descriptors even within one process (so a test
/// can prove the rule), and they are far from the bytes SQLite locks (at 1 GiB), so they never block
/// SQLite's own readers and writers.
///
/// One rule must hold: closing *any* descriptor of a file drops all of this process's classic `fcntl`
/// locks on it, SQLite's included. So the descriptor is closed only after the connection (`StateStore`
/// closes its database first, then this lock).
///
/// The kernel drops the lock when the holder dies (even by SIGKILL or power loss): no stale lock to clean.
/// Network filesystems are refused before locking: their locks are emulated or local to one client, and
/// SQLite's WAL needs shared memory they do not provide, so two hosts could both "hold" the job.
final class StateFileLock {
    /// Who holds the file.
    enum Role: Int, Sendable {
        /// Sends and re-queues: `run`, `retry`.
        case sender = 0
        /// Records delivery outcomes: `track`.
        case tracker = 1
    }

    private var fd: Int32
    /// The state file as given.
    let path: String
    /// The role held.
    let role: Role
    private var alsoHeld: Set<Int> = []

    /// Locks `path` for `role` (creating the file, mode 0600, when missing), or throws `StateStoreError`
    /// `.locked` at once when another process (or another open in this one) holds that role.
    init(path: String, role: Role) throws {
        self.path = path
        self.role = role
        let fd = open(path, O_RDWR | O_CLOEXEC | O_CREAT, 0o600)
        guard fd >= 0 else {
            throw StateStoreError(.cannotOpen(reason: String(cString: strerror(errno))), path: path)
        }
        if let kind = Self.networkFilesystem(of: fd) {
            close(fd)
            throw StateStoreError(.networkFilesystem(kind: kind), path: path)
        }
        do { try Self.lock(fd, byte: role.rawValue, path: path) } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    /// Also takes every other role until `body` returns: a schema migration must not overlap any writer.
    func holdingEveryRole<T>(_ body: () throws -> T) throws -> T {
        let others = [Role.sender, .tracker].filter { $0 != role }.map(\.rawValue)
        for byte in others {
            try Self.lock(fd, byte: byte, path: path)
            alsoHeld.insert(byte)
        }
        defer {
            for byte in alsoHeld { Self.unlock(fd, byte: byte) }
            alsoHeld = []
        }
        return try body()
    }

    /// `F_OFD_SETLK` (linux/fcntl.h): not exported by the Glibc module.
    private static let setOFDLock: Int32 = 37

    private static func lock(_ fd: Int32, byte: Int, path: String) throws {
        var region = Glibc.flock()
        region.l_type = Int16(F_WRLCK)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = off_t(byte)
        region.l_len = 1
        guard fcntl(fd, setOFDLock, &region) == 0 else {
            let reason = errno
            if reason == EAGAIN || reason == EACCES { throw StateStoreError(.locked, path: path) }
            throw StateStoreError(.cannotOpen(reason: "cannot lock: \(String(cString: strerror(reason)))"), path: path)
        }
    }

    private static func unlock(_ fd: Int32, byte: Int) {
        var region = Glibc.flock()
        region.l_type = Int16(F_UNLCK)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = off_t(byte)
        region.l_len = 1
        _ = fcntl(fd, setOFDLock, &region)
    }

    /// Releases the lock. Call only after the database connection to the file is closed (see above).
    func release() {
        guard fd >= 0 else { return }
        close(fd)  // drops this description's locks
        fd = -1
    }

    deinit { release() }

    /// The name of the network filesystem that holds the open file `fd`, or nil for a local one (or when
    /// `fstatfs` fails: a file that cannot be inspected is judged by SQLite's own errors instead).
    static func networkFilesystem(of fd: Int32) -> String? {
        networkFilesystem(magic: SQLiteDatabase.filesystemMagic(of: fd))
    }

    /// The filesystems refused, by their `statfs` magic number (linux/magic.h and the filesystems' own
    /// headers): the ones whose locks or shared memory do not hold across clients.
    static func networkFilesystem(magic: UInt64) -> String? {
        switch magic & 0xFFFF_FFFF {
        case 0x6969: "NFS"
        case 0x517B: "SMB"
        case 0xFF53_4D42: "CIFS"
        case 0xFE53_4D42: "SMB2"
        case 0x5346_414F, 0x6B41_4653: "AFS"
        case 0x7375_7245: "Coda"
        case 0x564C: "NCP"
        case 0x00C3_6400: "CephFS"
        case 0x0102_1997: "9p (a VM or WSL share)"
        case 0x0BD0_0BD0: "Lustre"
        case 0x6573_5546: "FUSE (sshfs, s3fs, gcsfuse…)"
        default: nil
        }
    }
}
