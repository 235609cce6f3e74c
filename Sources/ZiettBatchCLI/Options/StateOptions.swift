import Foundation
import ArgumentParser
import Checkpoint
import Delivery
import Logging

/// `--state` and `--job`, shared by the commands that read a state file.
struct StateOptions: ParsableArguments {
    @Option(help: "State file or PostgreSQL state URL (default: $ZIETT_BATCH_STATE, else every state file under $XDG_STATE_HOME/ziett-batch/, or the job's).")
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

    /// The states to read: `--state`, else `ZIETT_BATCH_STATE`, else the job's default file, else every
    /// state file in the default directory.
    func locations() throws -> [StateLocation] {
        if let given = state ?? StatePaths.fromEnvironment() {
            do { return [try StateLocation(given)] } catch {
                printError("--state: \(error)")
                throw ExitStatus.usage.exitCode
            }
        }
        if let job { return [.file(StatePaths.file(job: job))] }
        return StatePaths.all().map(StateLocation.file)
    }

    /// Opens each state and yields its jobs (filtered by `--job`). A PostgreSQL state is shared: `access`
    /// only matters for a state file (its lock).
    func eachJob(access: SQLiteStateStore.Access = .read, _ body: (any StateStore, Job) throws -> Void) throws {
        let locations = try locations()
        if locations.isEmpty {
            printError("no state files under \(StatePaths.directory); give --state")
            throw ExitStatus.noInput.exitCode
        }
        var found = false
        for location in locations {
            // Only `run` creates a state file: a mistyped --state for any other command is reported, not created.
            if case .file(let file) = location, !FileManager.default.fileExists(atPath: file) {
                printError("\(file): no such state file (check --state, or run the job first)")
                throw ExitStatus.noInput.exitCode
            }
            let store: any StateStore
            do { store = try location.open(access: access, logger: Logger(label: "ziett-batch.state")) } catch let error as StateStoreError {
                // Locked by another writer (75), on a network filesystem (64), not writable (74).
                printError("\(error)")
                throw ExitStatus(for: error).exitCode
            } catch let error as any StateFileFailure {
                printError("\(error)")
                throw ExitStatus.ioError.exitCode
            } catch {
                printError("\(location): \(error)")
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
            } catch let error as any StateFileFailure {
                printError("\(error)")
                throw ExitStatus.ioError.exitCode
            }
        }
        if !found {
            printError(job.map { "no job named \($0)" } ?? "no jobs in \(locations.map(\.description).joined(separator: ", "))")
            throw ExitStatus.noInput.exitCode
        }
    }
}
