#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Size, modification time and inode of a CSV file when it was opened.
///
/// Store it next to a `CSVPosition` checkpoint and compare on resume: a byte offset is only meaningful in
/// the very same file, and an operator may have edited or replaced it between the crash and the resume.
public struct CSVFileIdentity: Sendable, Equatable, Codable {
    /// File size in bytes.
    public var size: Int64
    /// Modification time, nanoseconds since the Unix epoch.
    public var modifiedNanoseconds: Int64
    /// Device number.
    public var device: UInt64
    /// Inode number.
    public var inode: UInt64

    /// Creates an identity from its parts (normally you get one from `CSVReader.fileIdentity`).
    public init(size: Int64, modifiedNanoseconds: Int64, device: UInt64, inode: UInt64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.device = device
        self.inode = inode
    }

    /// The identity of an open file descriptor, or `nil` if `fstat(2)` fails.
    static func of(fd: Int32) -> CSVFileIdentity? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        let modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        return CSVFileIdentity(size: Int64(info.st_size), modifiedNanoseconds: modified,
                               device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
