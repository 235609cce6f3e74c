import Crypto
import Foundation

/// A cheap identity of an input file: size, modification time and a hash of its first MiB.
///
/// Hashing the whole file would read it twice; size + mtime + head catch every realistic edit (a new
/// export, an appended row, a fixed typo) the way `make` and `rsync` do. Documented as such.
public enum InputFingerprint {
    /// The fingerprint of the file at `path`, or nil when it cannot be read.
    public static func of(path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber,
              let modified = attributes[.modificationDate] as? Date,
              let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        let digest = SHA256.hash(data: head).prefix(12).map { String(format: "%02x", $0) }.joined()
        return "size=\(size.int64Value) mtime=\(Int64(modified.timeIntervalSince1970 * 1000)) head=\(digest)"
    }

    /// The fingerprint of the file's content alone: its size and a SHA-256 of every byte. For a state several
    /// hosts share, where each host has its own copy of the file (same bytes, another modification time),
    /// so `of(path:)` would tell copies apart. Reads the whole file once more (about 0.1 s per 50 MB).
    public static func ofContent(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let read: Data?
            do { read = try handle.read(upToCount: 1 << 20) } catch { return nil }
            // Foundation answers nil (or empty data) at the end of the file.
            guard let block = read, !block.isEmpty else { break }
            hasher.update(data: block)
            size += Int64(block.count)
        }
        let digest = hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
        return "size=\(size) sha256=\(digest)"
    }
}
