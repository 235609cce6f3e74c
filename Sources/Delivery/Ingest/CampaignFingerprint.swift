import Crypto
import Foundation

/// A short, stable name for "this CSV, from this sender, with this message": the campaign's identity.
///
/// `SHA-256("ziett-batch/campaign/v1" ‖ 0 ‖ SHA-256(CSV bytes) ‖ sender ‖ 0 ‖ message)`, first 5 bytes
/// in hex (10 characters). It goes into every batch name, so the API keeps a record of which campaign a
/// batch belongs to that survives a lost state file: a new job with the same fingerprint asks the API
/// before its first request (`ResendCheck`). 40 bits make an accidental match between two different
/// campaigns of one organisation negligible (about 1 in 10¹² per pair), and a match only asks for
/// `--allow-resend`; it never sends anything.
public enum CampaignFingerprint {
    /// The fingerprint of the CSV at `csvPath` (read in full, 1 MiB at a time), `sender` and `message`,
    /// or nil when the file cannot be read (the run reports that itself).
    public static func of(csvPath: String, sender: String, message: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: csvPath) else { return nil }
        defer { try? handle.close() }
        var content = SHA256()
        do {
            // nil or empty at the end of the file.
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty {
                content.update(data: block)
            }
        } catch {
            return nil
        }
        var hasher = SHA256()
        hasher.update(data: Array("ziett-batch/campaign/v1".utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(content.finalize()))
        hasher.update(data: Array(sender.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(message.utf8))
        return hasher.finalize().prefix(5).lowercaseHex
    }
}
