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
            run the job again. Sent recipients are never touched. Takes the state file's lock like `run`: \
            while a run of the job is active it exits 75 and changes nothing.

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
        try stateOptions.eachJob(access: .send) { store, job in
            // `eachJob(access: .send)` opened the file for writing, which holds its lock: while another
            // process writes it, the open failed with 75 and nothing changed.
            let result = try store.requeueRejected(jobID: job.id)
            print("job \(job.name): \(result.requeued) rejected recipient(s) re-queued; run the job again to send them")
            if result.heldBack > 0 {
                printError(
                    "job \(job.name): \(result.heldBack) rejected recipient(s) left as they are: an earlier attempt of "
                        + "their request is still in doubt and may have reached the API; run the job to reconcile it first")
            }
        }
    }
}
