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
}
