import ArgumentParser
import Checkpoint

/// `ziett-batch retry --rejected`: re-queue rejected recipients after the cause was fixed.
struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Re-queue rejected recipients into new requests (sent ones are never touched).",
        discussion: """
            After fixing what made the API refuse some recipients (e.g. the sender ID), re-queue them and run again:
              ziett-batch retry --rejected --state march.sqlite && ziett-batch run march.csv …
            """)

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Re-queue recipients whose status is rejected.")
    var rejected = false

    func validate() throws {
        if !rejected { throw ValidationError("say what to retry: --rejected") }
    }

    func run() throws {
        try stateOptions.eachJob(readOnly: false) { store, job in
            let kind: ChunkKind = try store.database.scalar(
                "SELECT count(*) FROM recipient WHERE job_id = ? AND content IS NOT NULL", [.int(job.id)]) > 0 ? .single : .batch
            let count = try store.requeueRejected(jobID: job.id, chunkSize: job.settings.chunkSize, kind: kind)
            print("job \(job.name): \(count) rejected recipient(s) re-queued; run the job again to send them")
        }
    }
}
