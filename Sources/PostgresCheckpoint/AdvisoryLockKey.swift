/// The keys of the advisory locks ziett-batch takes: PostgreSQL's two-`int4` form, the first number naming
/// the purpose (so ours never collide with another application's one-`bigint` or two-`int4` locks of other
/// purposes), the second the object.
enum AdvisoryLockKey {
    /// "ZB" and a purpose number.
    static let migrationPurpose: Int32 = 0x5A42_0001
    /// The ingest of one job; the object is `objectKey(jobName)`.
    static let ingestPurpose: Int32 = 0x5A42_0002
    /// A job's run on one host (`tryRunLock`): its own purpose, so no run lock's key can meet an ingest lock's.
    static let runPurpose: Int32 = 0x5A42_0003

    /// A 32-bit FNV-1a hash of `name`'s UTF-8, the same on every host and server version. Two names with one
    /// hash only make their ingests wait for each other.
    static func objectKey(_ name: String) -> Int32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return Int32(bitPattern: hash)
    }
}
