import Checkpoint
import Delivery
import Foundation
import Logging
import SQLite
import Testing
import TestSupport

/// Which exit code a state file that breaks a rule of its jobs, or cannot be read, ends a run with.
@Suite("Exit status for state store errors", .temporaryFiles)
struct ExitStatusStateStoreTests {
    func withStore(_ body: (SQLiteStateStore, Job) throws -> Void) throws {
        let directory = temporaryDirectory()
        let store = try SQLiteStateStore(path: directory + "/state.sqlite")
        let settings = JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: 2)
        try body(store, try store.createJob(name: "j", settings: settings, inputFingerprint: "f"))
    }

    @Test func aStoredValueThisBuildCannotReadIsAStateFileError() throws {
        try withStore { store, _ in
            try SQLiteDatabase(path: store.path, create: false).execute("UPDATE job SET phase = 'archived'")
            let error = try #require(throws: StateStoreError.self) { try store.jobs() }
            #expect(ExitStatus(for: error) == .ioError)
        }
    }

    @Test func readingTheInputAgainOnceThePlanExistsIsADataError() throws {
        try withStore { store, job in
            try store.setPhase(jobID: job.id, .planned)
            let error = try #require(throws: StateStoreError.self) { try store.restartIngest(jobID: job.id, inputFingerprint: "g") }
            #expect(ExitStatus(for: error) == .dataError)
        }
    }

    @Test func aStateFileThatIsNotADatabaseEndsTheRunWithAStateFileError() async throws {
        let directory = temporaryDirectory()
        let state = directory + "/state.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: state))
        let options = RunOptions(
            csvPath: directory + "/x.csv", jobName: "j", statePath: state, sender: "s", message: "m",
            baseURL: "http://127.0.0.1:9", apiKey: nil, dispatch: DispatchOptions(seed: 1))
        let report = await JobRunner(options: options, logger: Logger(label: "test")).run()
        #expect(report.exitStatus == .ioError)
        #expect(report.headline.hasPrefix("state file error: "))
    }
}
