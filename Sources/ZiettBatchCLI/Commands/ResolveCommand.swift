import ArgumentParser
import Checkpoint
import Delivery

/// `ziett-batch resolve --row N --as sent|absent`: a person settles a request no look-up could.
struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Decide an ambiguous look-up by hand: sent or absent.",
        discussion: """
            A single message's look-up is ambiguous (`AMBIGUOUS_MATCH` in `status`) when the API has a \
            message to the same number from the same sender since the request, with another text: the API \
            may have altered ours, or it is another campaign's. The run leaves it in doubt and goes on. Check \
            the message in the Ziett dashboard, then say what it is: `--as sent` marks the row sent; \
            `--as absent` makes it pending, and the next run sends it. Takes the state file's lock like `run`.

            Example:
              ziett-batch resolve --state march.sqlite --row 1234 --as sent
            """)

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "The data row (as in `report`) whose request to settle.")
    var row: Int

    /// `--as`: the command line's spelling of `InDoubtResolution`.
    enum Decision: String, ExpressibleByArgument, CaseIterable {
        case sent, absent
        var resolution: InDoubtResolution { self == .sent ? .sent : .absent }
    }

    @Option(name: .customLong("as"), help: "What the request became: sent or absent.")
    var decision: Decision

    @Flag(help: "Decide a request in doubt whose look-up was not ambiguous (the next run would look it up itself).")
    var force = false

    func run() throws {
        var jobs: [(any StateStore, Job)] = []
        try stateOptions.eachJob(access: .send) { store, job in jobs.append((store, job)) }
        guard jobs.count == 1, let (store, job) = jobs.first else {
            printError("the state holds \(jobs.count) jobs: name one with --job (rows are numbered per job)")
            throw ExitStatus.usage.exitCode
        }
        do {
            let seq = try store.resolveInDoubt(jobID: job.id, row: row, as: decision.resolution, force: force)
            print("job \(job.name): request \(seq) (row \(row)) resolved as \(decision.rawValue)"
                + (decision == .absent ? "; the next run sends it" : ""))
        } catch let error as StateStoreError {
            printError("\(error)")
            throw ExitStatus(for: error).exitCode
        }
    }
}
