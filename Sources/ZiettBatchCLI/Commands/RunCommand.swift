import ArgumentParser
import Checkpoint
import Delivery
import Foundation
import Logging
import ZiettAPI

/// `ziett-batch run`: ingest, plan and send one job, resuming where the last run stopped.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send a campaign from a CSV; run it again to resume.",
        discussion: """
            The API key comes from ZIETT_API_KEY (never a flag). The first run creates the job in the state \
            file; later runs with the same arguments resume it, so it is safe to run from cron every minute. \
            Every option can come from a TOML job file (--job-file; keys are the option names, e.g. \
            chunk-size = 500); options on the command line win. Exit code 0 means the job is complete; 75 \
            means "stopped early, nothing lost, run again later".

            Example:
              export ZIETT_API_KEY=zk_live_…
              ziett-batch run customers.csv --sender 3f1c…-uuid --country AO \\
                --message "Hello {{name|there}}, your code is {{code}}."
              ziett-batch run --job-file jobs/march-promo.toml --quiet
            """)

    @Argument(help: "The recipients CSV (header row required); or `csv` in the job file.")
    var csv: String?

    @Option(help: ArgumentHelp(
        "A TOML job file holding any of these options (csv, sender, message, …); flags override it.",
        discussion: "Relative paths in it resolve against its directory. Unknown keys are an error."))
    var jobFile: String?

    @Option(help: "The sender ID (remitter UUID) configured in your Ziett organisation.")
    var sender: String?

    @Option(help: "The message text; {{column}} placeholders are filled per row ({{name|default}} for empty cells).")
    var message: String?

    @Option(help: "Read the message text from this file instead of --message.")
    var messageFile: String?

    @OptionGroup var csvOptions: CSVOptions

    @OptionGroup var schedule: ScheduleOptions

    @OptionGroup var api: APIOptions

    @Option(help: "State file, or a PostgreSQL state several hosts share: postgres://user@host:port/db (default: $ZIETT_BATCH_STATE, else $XDG_STATE_HOME/ziett-batch/<job>.sqlite, mode 0600).")
    var state: String?

    @Option(help: "Seconds a host holds a chunk of a PostgreSQL state before another host may take it (default: twice the request timeout plus 60).")
    var lease: Double?

    @Option(help: "Recipients per batch request, 2 to 1000 (default: 1000).")
    var chunkSize: Int?

    @Option(help: "Send rate, e.g. 10/min or 2/s (default: the documented limit, 10/min for batches, 120/min for single messages).")
    var maxRate: String?

    @Option(help: "The job's name within the state file (default: the CSV's base name).")
    var job: String?

    @Flag(help: "Read, validate and plan into the state, print the plan, send nothing (no API key needed).")
    var dryRun = false

    @Flag(help: "Continue although the CSV changed since the job began.")
    var allowChangedInput = false

    @Flag(help: ArgumentHelp(
        "Send although the API shows this campaign sent recently by another job.",
        discussion: "Before a new job's first request, the API is asked for batches of the same campaign (same CSV content, sender and message) and for its first recipients' messages, created within --resend-window by another job or state file. If any is found the run stops with exit 64 and names them."))
    var allowResend = false

    @Option(help: "Days back a new job looks for its campaign sent by another job; 0 turns the check off (default: 7).")
    var resendWindow: Double?

    @Option(help: "Stop the run after this many rejected requests (they cost money and likely share a cause).")
    var maxErrors: Int?

    @Option(help: "Attempts per chunk within one run before leaving it to the next run (default: 6).")
    var maxAttempts: Int?

    @Option(help: "Seconds a request may take before the run stops waiting for its answer (default: 30).")
    var requestTimeout: Double?

    @Option(help: ArgumentHelp(
        "Seconds after a request's timeout before its absence at the API is believed (default: 30).",
        discussion: "An unanswered request may still be finished by the API after the run gave up on it, and lists may show it late: it is looked up only after its start + --request-timeout + --settle, and parked meanwhile."))
    var settle: Double?

    @Option(help: ArgumentHelp("Ceiling of the first retry delay in seconds; it doubles per attempt up to --backoff-cap (full jitter).", visibility: .hidden))
    var backoffBase: Double = 1

    @Option(help: ArgumentHelp("Largest retry delay ceiling in seconds.", visibility: .hidden))
    var backoffCap: Double = 60

    @Option(help: ArgumentHelp("Rate of the look-ups that settle in-doubt requests, e.g. 60/min (default: 60/min).", visibility: .hidden))
    var readRate: String?

    @Option(help: ArgumentHelp("The longest wait in seconds (pacing, backoff, Retry-After) the run sits through before it stops and leaves the rest to the next run.", visibility: .hidden))
    var maxWait: Double = 900

    @Option(help: ArgumentHelp("Seed for the retry jitter (default: random), to replay a run in tests.", visibility: .hidden))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Seconds between progress lines.", visibility: .hidden))
    var progressInterval: Double = 30

    @OptionGroup var logging: LoggingOptions

    mutating func validate() throws {
        if let jobFile {
            let file = try JobFile.loadForCommand(path: jobFile)
            apply(file)
        }
        guard csv != nil else { throw ValidationError("give the recipients CSV (argument, or `csv` in the job file)") }
        guard let sender else { throw ValidationError("give the sender with --sender (or `sender` in the job file)") }
        if message == nil && messageFile == nil { throw ValidationError("give the text with --message or --message-file") }
        if message != nil && messageFile != nil { throw ValidationError("--message and --message-file exclude each other") }
        if let chunkSize, !(1...1000).contains(chunkSize) { throw ValidationError("--chunk-size must be between 1 and 1000") }
        if let maxRate, RateLimit(parsing: maxRate) == nil { throw ValidationError("--max-rate must look like 10/min or 2/s") }
        if let readRate, RateLimit(parsing: readRate) == nil { throw ValidationError("--read-rate must look like 60/min") }
        try csvOptions.validate()
        try schedule.validate()
        if UUID(uuidString: sender) == nil { throw ValidationError("--sender must be the remitter's UUID") }
        if let maxAttempts, maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
        if let requestTimeout, !(requestTimeout >= 1 && requestTimeout <= 600) {
            throw ValidationError("--request-timeout must be between 1 and 600 seconds")
        }
        if let settle, !(settle >= 0 && settle <= 3600) { throw ValidationError("--settle must be between 0 and 3600 seconds") }
        if let resendWindow, !(resendWindow >= 0 && resendWindow <= 366) { throw ValidationError("--resend-window must be between 0 and 366 days") }
    }

    /// Fills every option not given on the command line from the job file.
    ///
    /// A text given on the command line (--message or --message-file) replaces the file's either.
    mutating func apply(_ file: JobFile) {
        func take(_ value: inout String?, _ key: String) { if value == nil { value = file.strings[key] } }
        func take(_ value: inout Int?, _ key: String) { if value == nil { value = file.integers[key] } }
        take(&csv, "csv")
        take(&sender, "sender")
        if message == nil && messageFile == nil {
            message = file.strings["message"]
            messageFile = file.strings["message-file"]
        }
        csvOptions.apply(file)
        schedule.apply(file)
        api.apply(file)
        take(&state, "state")
        take(&chunkSize, "chunk-size")
        take(&maxRate, "max-rate")
        take(&job, "job")
        take(&maxErrors, "max-errors")
        take(&maxAttempts, "max-attempts")
        if requestTimeout == nil { requestTimeout = file.integers["request-timeout"].map(Double.init) }
        if settle == nil { settle = file.integers["settle"].map(Double.init) }
        if lease == nil { lease = file.integers["lease"].map(Double.init) }
        dryRun = dryRun || file.flags["dry-run"] == true
        allowChangedInput = allowChangedInput || file.flags["allow-changed-input"] == true
        allowResend = allowResend || file.flags["allow-resend"] == true
        if resendWindow == nil { resendWindow = file.integers["resend-window"].map(Double.init) }
        logging.apply(file)
    }

    /// The options the job runs with (after `validate()` merged the job file).
    func runOptions(environment env: [String: String], messageText: String) -> RunOptions {
        let csv = csv ?? ""
        let jobName = job ?? StatePaths.jobName(csv: csv)
        var dispatch = DispatchOptions(seed: seed ?? UInt64.random(in: 1...UInt64.max))
        dispatch.maxRate = maxRate.flatMap(RateLimit.init(parsing:))
        if let readRate { dispatch.readRate = RateLimit(parsing: readRate) ?? .read }
        dispatch.maxErrors = maxErrors
        dispatch.maxAttemptsPerRun = maxAttempts ?? 6
        dispatch.backoffBase = backoffBase
        dispatch.backoffCap = backoffCap
        dispatch.maxWait = maxWait
        if let requestTimeout { dispatch.requestTimeout = requestTimeout }
        if let settle { dispatch.settleMargin = settle }
        if let resendWindow { dispatch.resendWindow = resendWindow > 0 ? resendWindow * 86_400 : nil }
        dispatch.allowResend = allowResend
        dispatch.leaseSeconds = lease
        var options = RunOptions(
            csvPath: csv, jobName: jobName, statePath: state ?? StatePaths.fromEnvironment(env) ?? StatePaths.file(job: jobName),
            sender: (sender ?? "").lowercased(),
            message: messageText, baseURL: api.resolvedBaseURL(environment: env), apiKey: APIOptions.apiKey(environment: env), dispatch: dispatch)
        options.country = csvOptions.region
        options.phoneColumn = csvOptions.phoneColumn
        options.delimiter = csvOptions.delimiter?.separator
        options.suppressPath = csvOptions.suppress
        options.chunkSize = chunkSize ?? 1000
        options.allowInsecureHTTP = api.allowInsecureHTTP
        options.dryRun = dryRun
        options.allowChangedInput = allowChangedInput
        options.keyLedgerDirectory = StatePaths.keyLedgerDirectory
        if let resolved = try? schedule.resolved() {
            (options.sendWindow, options.notBefore, options.notAfter, options.numberTypes) = resolved
        }
        return options
    }

    func run() async throws {
        let logger = logging.bootstrap(label: "ziett-batch")
        let text: String
        if let messageFile {
            guard let contents = try? String(contentsOfFile: messageFile, encoding: .utf8) else {
                printError("cannot read --message-file \(messageFile)")
                throw ExitStatus.noInput.exitCode
            }
            text = contents.hasSuffix("\n") ? String(contents.dropLast()) : contents
        } else {
            text = message ?? ""
        }
        let options = runOptions(environment: ProcessInfo.processInfo.environment, messageText: text)
        let stop = StopFlag()
        let watcher = await SignalWatcher.watch(stop)
        defer { watcher.cancel() }
        var progressLog = logger
        progressLog[metadataKey: "job.name"] = "\(options.jobName)"
        let progress = ProgressPrinter(mode: ProgressPrinter.mode(quiet: logging.quiet), logger: progressLog, interval: progressInterval)
        let clock = SystemClock(offset: SystemClock.testOffset(environment: ProcessInfo.processInfo.environment))
        let summary = await JobRunner(options: options, stop: stop, clock: clock, logger: logger).run(onProgress: progress.update)
        progress.finish()
        RunSummaryPrinter.print(summary, quiet: logging.quiet)
        if summary.exitStatus != .complete { throw summary.exitStatus.exitCode }
    }
}
