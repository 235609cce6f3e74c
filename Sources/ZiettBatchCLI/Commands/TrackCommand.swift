import ArgumentParser
import Checkpoint
import Delivery
import Foundation
import Logging
import ZiettAPI
import ZiettClient

/// `ziett-batch track`: look up what became of every accepted message and record it in the state.
struct TrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Look up the delivery status and cost of sent messages.",
        discussion: """
            Pages through GET /messages?campaign_id=<id> for every accepted batch, and finds single messages \
            by id (GET /messages?q=<id> for a few, one scan of the job's time range for more), at the \
            documented read limit; matches messages to recipients by E.164 and \
            records delivery_status, delivery_error and cost in the state file; `status` and `report` then \
            show them. Requests whose recipients all have a final status are not asked again, so it is \
            cheap to run from cron after the job. Sends nothing. Needs ZIETT_API_KEY (scope messages:list).

            Exit codes as for run: 0 done, 75 stopped early (run again later), 77 key refused.

            Example:
              export ZIETT_API_KEY=zk_live_…
              ziett-batch track --state march.sqlite
              ziett-batch report --state march.sqlite --only undelivered
            """)

    @OptionGroup var stateOptions: StateOptions

    @OptionGroup var api: APIOptions

    @Option(help: "Look-up rate, e.g. 60/min (default: 60/min, the stricter documented figure for GET /messages).")
    var readRate: String?

    @Option(help: "Attempts per page before the pass stops and leaves the rest to the next run.")
    var maxAttempts: Int = 6

    @Option(help: ArgumentHelp(
        "Seconds the API's clock may be behind ours: single messages are looked for from this much before the earliest open one was sent (default: 300).",
        visibility: .hidden))
    var clockSkewMargin: Double = 300

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let readRate, RateLimit(parsing: readRate) == nil { throw ValidationError("--read-rate must look like 60/min or 1/s") }
        if maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "ziett-batch.track")
        let env = ProcessInfo.processInfo.environment
        guard let apiKey = APIOptions.apiKey(environment: env) else {
            printError("ZIETT_API_KEY is not set: export the API key in the environment (it is never taken as a flag)")
            throw ExitStatus.usage.exitCode
        }
        let url = api.resolvedBaseURL(environment: env)
        if let problem = ZiettClientConfiguration(baseURL: url, apiKey: apiKey).transportProblem(allowInsecureHTTP: api.allowInsecureHTTP) {
            printError("\(problem); nothing was asked")
            throw ExitStatus.usage.exitCode
        }
        let stop = StopFlag()
        let watcher = await SignalWatcher.watch(stop)
        defer { watcher.cancel() }
        var worst = ExitStatus.complete
        var work: [(any StateStore, Job)] = []
        try stateOptions.eachJob(access: .track) { store, job in work.append((store, job)) }
        for (store, job) in work {
            var log = logger
            log[metadataKey: "job.name"] = "\(job.name)"
            let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: url, apiKey: apiKey), logger: log)
            // A shared state's own budget for the key (every host's), else this host's ledger file.
            let shared = ((try? store.keyLedger(apiKey: apiKey)) ?? nil).map { KeyBudget(ledger: $0, logger: log) }
            let budget = shared ?? (try? KeyBudget(directory: StatePaths.keyLedgerDirectory, apiKey: apiKey, logger: log))
            let tracker = DeliveryTracker(
                store: store, job: job, client: client, readRate: readRate.flatMap(RateLimit.init(parsing:)) ?? .read,
                maxAttempts: maxAttempts, seed: UInt64.random(in: 1...UInt64.max), stop: stop, budget: budget, logger: log)
            tracker.clockSkewMargin = clockSkewMargin
            let report: TrackReport
            do {
                report = try await tracker.run()
            } catch {
                await client.shutdown()
                printError("job \(job.name): state error: \(error)")
                throw ExitStatus.ioError.exitCode
            }
            await client.shutdown()
            if !logging.quiet || report.end != .complete { Self.summary(job: job.name, report).write() }
            if report.end.exitStatus != .complete && worst == .complete { worst = report.end.exitStatus }
            if report.end.exitStatus == .authentication { worst = .authentication }
        }
        if worst != .complete { throw worst.exitCode }
    }

    /// The lines a cron mail shows: what was looked up and found on standard output; a warning, or why the
    /// pass stopped early, on standard error.
    static func summary(job: String, _ report: TrackReport) -> CommandOutput {
        var out = CommandOutput()
        out.result("job \(job): looked up \(report.requestsChecked) request(s) in \(report.pagesRead) page(s); "
            + "\(report.recipientsUpdated) recipient(s) updated, \(report.requestsSkipped) request(s) already final")
        if let d = report.delivery {
            let parts = d.byStatus.sorted { $0.key < $1.key }.map { "\($0.key == "unknown" ? "not tracked" : $0.key.lowercased()) \($0.value)" }
            var line = "delivery: " + (parts.isEmpty ? "nothing sent yet" : parts.joined(separator: ", "))
            if d.costed > 0 { line += "; cost \(JobStatus.number(d.totalCost)) (\(d.costed) recipient(s))" }
            out.result(line)
        }
        if report.unmatchedMessages > 0 {
            out.diagnostic("warning: \(report.unmatchedMessages) message(s) listed by the API matched no recipient of their campaign")
        }
        switch report.end {
        case .complete: break
        case .interrupted: out.diagnostic("exit 75: interrupted; run track again to continue")
        case .retriesExhausted(let e): out.diagnostic("exit 75: the API kept failing (\(e.summary)); run track again later")
        case .authentication(let e): out.diagnostic("exit 77: the API refused the key (\(e.summary)); check ZIETT_API_KEY and its messages:list scope")
        }
        return out
    }
}
