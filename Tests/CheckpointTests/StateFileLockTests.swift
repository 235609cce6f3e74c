@testable import Checkpoint
import Foundation
import SQLite
import Testing

/// One sender and one tracker per state file, whatever path reaches it (the exactly-once rule 6).
@Suite("State file lock")
struct StateFileLockTests {
    /// A fresh directory with a state file created (and closed) in it.
    func withStateFile(_ body: (_ directory: String, _ path: String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "zb-lock-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.sqlite"
        _ = try SQLiteStateStore(path: path)
        try body(directory, path)
    }

    func lockedError(_ open: () throws -> SQLiteStateStore) -> StateStoreError.Code? {
        do {
            _ = try open()
            return nil
        } catch let error as StateStoreError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test func aSymlinkToAStateFileInUseCannotTakeASecondLock() throws {
        try withStateFile { directory, path in
            let symlink = directory + "/via-symlink.sqlite"
            try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: path)
            var holder: SQLiteStateStore? = try SQLiteStateStore(path: path)
            #expect(lockedError { try SQLiteStateStore(path: path) } == .locked)
            #expect(lockedError { try SQLiteStateStore(path: symlink) } == .locked)
            #expect(holder != nil)
            holder = nil
            // Released with the store: the next writer, by any path, gets it.
            #expect(lockedError { try SQLiteStateStore(path: symlink) } == nil)
        }
    }

    /// SQLite names its WAL after the path used, so a second name would be a second WAL over one database.
    @Test func aStateFileWithAHardLinkIsRefusedToWritersAndReaders() throws {
        try withStateFile { directory, path in
            try FileManager.default.linkItem(atPath: path, toPath: directory + "/via-hard-link.sqlite")
            #expect(lockedError { try SQLiteStateStore(path: path) } == .hardLinked)
            #expect(lockedError { try SQLiteStateStore(path: directory + "/via-hard-link.sqlite", access: .track) } == .hardLinked)
            #expect(lockedError { try SQLiteStateStore(path: path, access: .read) } == .hardLinked)
        }
    }

    @Test func aTrackerWorksBesideASenderButNotBesideAnotherTracker() throws {
        try withStateFile { _, path in
            let sender = try SQLiteStateStore(path: path, access: .send)
            let tracker = try SQLiteStateStore(path: path, access: .track)
            #expect(lockedError { try SQLiteStateStore(path: path, access: .track) } == .locked)
            #expect(lockedError { try SQLiteStateStore(path: path, access: .send) } == .locked)
            // Readers take no lock.
            #expect(lockedError { try SQLiteStateStore(path: path, access: .read) } == nil)
            withExtendedLifetime((sender, tracker)) {}
        }
    }

    @Test func aMigrationWaitsForEveryOtherWriter() throws {
        try withStateFile { directory, _ in
            // A file as the build before the last migration left it.
            let path = directory + "/old.sqlite"
            try SQLiteMigrator(Array(StateSchema.migrator.migrations.dropLast())).migrate(SQLiteDatabase(path: path))
            let sender = try StateFileLock(path: path, role: .sender)
            // A tracker must migrate the file first, and cannot while a sender holds it.
            #expect(lockedError { try SQLiteStateStore(path: path, access: .track) } == .locked)
            sender.release()
            let migrated = try SQLiteStateStore(path: path, access: .track)
            #expect(try StateSchema.migrator.isCurrent(migrated.database))
        }
    }

    @Test func networkFilesystemsAreNamedAndLocalOnesPass() {
        #expect(StateFileLock.networkFilesystem(magic: 0x6969) == "NFS")
        #expect(StateFileLock.networkFilesystem(magic: 0xFF53_4D42) == "CIFS")
        #expect(StateFileLock.networkFilesystem(magic: 0xFFFF_FFFF_FE53_4D42) == "SMB2")  // f_type sign-extended
        #expect(StateFileLock.networkFilesystem(magic: 0xEF53) == nil)  // ext4
        #expect(StateFileLock.networkFilesystem(magic: 0x0102_1994) == nil)  // tmpfs
        #expect(StateFileLock.networkFilesystem(magic: 0x5846_5342) == nil)  // xfs
        #expect(StateFileLock.networkFilesystem(magic: SQLiteDatabase.filesystemMagic(atPath: NSTemporaryDirectory())) == nil)
    }
}
