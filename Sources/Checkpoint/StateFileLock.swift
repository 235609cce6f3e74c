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
    private let file: FileID
    private var alsoHeld: Set<Int> = []
    /// The legacy `<state>.lock` (flock) a sender also holds, so a run of a build from before this lock
    /// and a run of this one never send side by side during an upgrade.
    private var legacyFD: Int32 = -1

    /// A file's identity: a lock belongs to the inode, whatever path reached it.
    struct FileID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The roles this process holds, by file: checked before any descriptor is opened, because closing a
    /// descriptor of a file drops every classic `fcntl` lock this process holds on it, SQLite's included.
    /// A second open of a held file is refused without opening it.
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var roles: [FileID: Set<Int>] = [:]
        /// Descriptors not closed because another of this process's stores still has the file open.
        var unclosed: [Int32] = []
    }
    private static let registry = Registry()

    /// Locks `path` for `role` (creating the file, mode 0600, when missing), or throws `StateStoreError`:
    /// `.locked` at once when another process (or another open in this one) holds that role,
    /// `.hardLinked` when the file has several names (SQLite's WAL is named after the path, so two names
    /// are two WALs over one database), `.networkFilesystem` on a network filesystem.
    init(path: String, role: Role) throws {
        self.path = path
        self.role = role
        let existing = try Self.identity(ofPath: path)
        let magic = SQLiteDatabase.filesystemMagic(atPath: existing == nil ? (path as NSString).deletingLastPathComponent : path)
        if let kind = Self.networkFilesystem(magic: magic) { throw StateStoreError(.networkFilesystem(kind: kind), path: path) }
        if let existing, Self.isHeld(existing, role: role) { throw StateStoreError(.locked, path: path) }
        let fd = open(path, O_RDWR | O_CLOEXEC | O_CREAT, 0o600)
        guard fd >= 0 else {
            throw StateStoreError(.cannotOpen(reason: String(cString: strerror(errno))), path: path)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Self.dispose(fd, of: nil)
            throw StateStoreError(.cannotOpen(reason: String(cString: strerror(errno))), path: path)
        }
        let file = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        if info.st_nlink > 1 {
            Self.dispose(fd, of: file)
            throw StateStoreError(.hardLinked(names: Int(info.st_nlink)), path: path)
        }
        do {
            try Self.claim(file, role: role, path: path)
            do { try Self.lock(fd, byte: role.rawValue, path: path) } catch {
                Self.unclaim(file, role: role)
                throw error
            }
        } catch {
            Self.dispose(fd, of: file)
            throw error
        }
        self.fd = fd
        self.file = file
        if role == .sender {
            let legacy = open(path + ".lock", O_RDWR | O_CLOEXEC | O_CREAT, 0o600)
            if legacy >= 0, flock(legacy, LOCK_EX | LOCK_NB) != 0 {
                close(legacy)
                release()
                throw StateStoreError(.locked, path: path)
            }
            legacyFD = legacy
        }
    }

    /// Also takes every other role until `body` returns: a schema migration must not overlap any writer.
    /// Waits up to `patience` seconds for them (a tracker that holds its byte gives up at once when it
    /// cannot migrate, so a sender and a tracker started together do not both give up).
    func holdingEveryRole<T>(patience: Double, _ body: () throws -> T) throws -> T {
        let others = [Role.sender, .tracker].filter { $0 != role }.map(\.rawValue)
        defer {
            for byte in alsoHeld { Self.unlock(fd, byte: byte) }
            alsoHeld = []
        }
        let deadline = Date().addingTimeInterval(patience)
        for byte in others {
            while true {
                do {
                    try Self.lock(fd, byte: byte, path: path)
                    alsoHeld.insert(byte)
                    break
                } catch let error as StateStoreError where error.code == .locked && Date() < deadline {
                    usleep(100_000)
                }
            }
        }
        return try body()
    }

    /// Releases the lock. Call only after this store's database connection is closed.
    func release() {
        guard fd >= 0 else { return }
        Self.unlock(fd, byte: role.rawValue)
        Self.unclaim(file, role: role)
        Self.dispose(fd, of: file)
        fd = -1
        if legacyFD >= 0 {
            close(legacyFD)
            legacyFD = -1
        }
    }

    deinit { release() }

    /// The identity of the file at `path` (following symlinks), nil when there is none; `.hardLinked` when
    /// it has several names.
    static func identity(ofPath path: String) throws -> FileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if info.st_nlink > 1 { throw StateStoreError(.hardLinked(names: Int(info.st_nlink)), path: path) }
        return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    private static func isHeld(_ file: FileID, role: Role) -> Bool {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        return registry.roles[file]?.contains(role.rawValue) ?? false
    }

    private static func claim(_ file: FileID, role: Role, path: String) throws {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        if registry.roles[file]?.contains(role.rawValue) ?? false { throw StateStoreError(.locked, path: path) }
        registry.roles[file, default: []].insert(role.rawValue)
    }

    private static func unclaim(_ file: FileID, role: Role) {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        registry.roles[file]?.remove(role.rawValue)
        if registry.roles[file]?.isEmpty ?? false { registry.roles[file] = nil }
    }

    /// Closes `fd`, unless another role of this process still holds the file (its SQLite connection's
    /// locks would go with it): then it stays open, unused, until the process ends.
    private static func dispose(_ fd: Int32, of file: FileID?) {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        if let file, registry.roles[file] != nil {
            registry.unclosed.append(fd)
        } else {
            close(fd)
        }
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
