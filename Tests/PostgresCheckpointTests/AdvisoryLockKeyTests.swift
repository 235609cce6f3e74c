@testable import PostgresCheckpoint
import Testing

@Suite struct AdvisoryLockKeyTests {
    /// FNV-1a's published test vectors: the key must be the same on every host, whatever its platform.
    @Test func isFNV1aOfTheUTF8Name() {
        #expect(AdvisoryLockKey.objectKey("") == Int32(bitPattern: 0x811C_9DC5))
        #expect(AdvisoryLockKey.objectKey("a") == Int32(bitPattern: 0xE40C_292C))
        #expect(AdvisoryLockKey.objectKey("foobar") == Int32(bitPattern: 0xBF9C_F968))
    }
}
