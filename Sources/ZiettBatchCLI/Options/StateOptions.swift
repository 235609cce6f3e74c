import Foundation
import ArgumentParser
import Checkpoint
import Delivery

/// `--state` and `--job`, shared by the commands that read a state file.
struct StateOptions: ParsableArguments {
    @Option(help: "State file (default: every state file under $XDG_STATE_HOME/ziett-batch/, or the job's).")
    var state: String?

    @Option(help: "Only this job.")
    var job: String?

    @Option(help: "Take the state file and the job's name from this TOML job file (as `run --job-file`).")
    var jobFile: String?

    mutating func validate() throws {
        guard let jobFile else { return }
        let file = try JobFile.loadForCommand(path: jobFile)
        if job == nil { job = file.strings["job"] ?? file.strings["csv"].map(StatePaths.jobName(csv:)) }
        if state == nil { state = file.strings["state"] }
    }

    /// The state files to read.
    func files() -> [String] {
        if let state { return [state] }
        if let job { return [StatePaths.file(job: job)] }
        return StatePaths.all()
    }

    /// Opens each file and yields its jobs (filtered by `--job`).
    func eachJob(access: SQLiteStateStore.Access = .read, _ body: (any StateStore, Job) throws -> Void) throws {
        let files = files()
        if files.isEmpty {
            printError("no state files under \(StatePaths.directory); give --state")
            throw ExitStatus.noInput.exitCode
        }
        var found = false
        for file in files {
            // Only `run` creates a state file: a mistyped --state for any other command is reported, not created.
            guard FileManager.default.fileExists(atPath: file) else {
                printError("\(file): no such state file (check --state, or run the job first)")
                throw ExitStatus.noInput.exitCode
            }
            let store: any StateStore
            do { store = try SQLiteStateStore(path: file, access: access) } catch let error as StateStoreError {
                // Locked by another writer (75), on a network filesystem (64), not writable (74).
                printError("\(error)")
                throw ExitStatus(for: error).exitCode
            } catch {
                printError("\(file): \(error)")
                throw ExitStatus.noInput.exitCode
            }
            do {
                for job in try store.jobs() where self.job == nil || job.name == self.job {
                    found = true
                    try body(store, job)
                }
            } catch let error as StateStoreError {
                printError("\(error)")
                throw ExitStatus(for: error).exitCode
            }
        }
        if !found {
            printError(job.map { "no job named \($0)" } ?? "no jobs in \(files.joined(separator: ", "))")
            throw ExitStatus.noInput.exitCode
        }
    }
}
