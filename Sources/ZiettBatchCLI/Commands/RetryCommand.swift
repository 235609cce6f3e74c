import ArgumentParser
import Checkpoint
import Delivery

/// `ziett-batch retry --rejected`: re-queue rejected recipients after the cause was fixed.
struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Re-queue rejected recipients for the next run.",
        discussion: """
            After fixing what made the API refuse some recipients (e.g. the sender ID), re-queue them, then \
            run the job again. Sent recipients are never touched. Takes the job's lock like `run`: while a \
            run of the job is active it exits 75 and changes nothing.

            Example:
              ziett-batch retry --rejected --state march.sqlite
              ziett-batch run march.csv --state march.sqlite …
            """)

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Re-queue recipients whose status is rejected (invalid, duplicate and suppressed rows stay as they are).")
    var rejected = false

    func validate() throws {
        if !rejected { throw ValidationError("say what to retry: --rejected") }
    }

    func run() throws {
        try stateOptions.eachJob(readOnly: false) { store, job in
            let lock: JobLock?
            do { lock = try JobLock(statePath: store.path) } catch {
                printError("\(store.path).lock: \(error)")
                throw ExitStatus.ioError.exitCode
            }
            guard let lock else {
                printError("another run of this job holds \(store.path).lock; nothing was changed (try again later)")
                throw ExitStatus.runAgainLater.exitCode
            }
            try withExtendedLifetime(lock) {
                let count = try store.requeueRejected(jobID: job.id)
                print("job \(job.name): \(count) rejected recipient(s) re-queued; run the job again to send them")
            }
        }
    }
}
