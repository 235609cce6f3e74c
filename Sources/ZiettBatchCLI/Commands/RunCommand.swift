import ArgumentParser
import Checkpoint
import Delivery
import Foundation
import Logging
import ZiettClient

/// `ziett-batch run`: ingest, plan and send one job, resuming where the last run stopped.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send a campaign from a CSV; run it again to resume (safe to run from cron every minute).",
        discussion: """
            The API key comes from ZIETT_API_KEY (never a flag). The first run creates the job in the state \
            file; later runs with the same arguments resume it. Every option can come from a TOML job file \
            (--job-file; keys are the option names, e.g. chunk-size = 500); options on the command line win. \
            Exit code 0 means the job is complete; 75 means "stopped early, nothing lost, run again later".

            Example:
              ZIETT_API_KEY=zk_live_… ziett-batch run customers.csv \\
                --sender 3f1c…-uuid --message "Hello {{name|there}}, your code is {{code}}." --country AO
              ZIETT_API_KEY=zk_live_… ziett-batch run --job-file jobs/march-promo.toml --quiet
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

    @Option(help: "Default ISO 3166 alpha-2 country for numbers without a country code, e.g. AO.")
    var country: String?

    @Option(help: "The header of the phone column (default: the first of phone, msisdn, mobile, number, telefone, telemovel, celular, e164, to, recipient).")
    var phoneColumn: String?

    @Option(help: "Field delimiter: one of , ; | or 'tab' (default: sniffed).")
    var delimiter: String?

    @Option(help: "A suppression list: one number per line, or a CSV with a phone column. Matches are not sent.")
    var suppress: String?

    @Option(help: "API base URL (env ZIETT_BASE_URL, else https://api.ziett.co/c/v1).")
    var baseURL: String?

    @Option(help: "State file (default: $XDG_STATE_HOME/ziett-batch/<job>.sqlite, mode 0600).")
    var state: String?

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

    @Option(help: "Stop the run after this many rejected requests (they cost money and likely share a cause).")
    var maxErrors: Int?

    @Option(help: "Attempts per chunk within one run before leaving it to the next run (default: 6).")
    var maxAttempts: Int?

    @Option(help: .hidden) var backoffBase: Double = 1
    @Option(help: .hidden) var backoffCap: Double = 60
    @Option(help: .hidden) var readRate: String?
    @Option(help: .hidden) var maxWait: Double = 900
    @Option(help: .hidden) var seed: UInt64?
    @Option(help: .hidden) var progressInterval: Double = 30

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
        if let country, country.count != 2 { throw ValidationError("--country takes an ISO 3166 alpha-2 code such as AO") }
        if let delimiter, Self.delimiterByte(delimiter) == nil { throw ValidationError("--delimiter must be one of , ; | tab") }
        if UUID(uuidString: sender) == nil { throw ValidationError("--sender must be the remitter's UUID") }
        if let maxAttempts, maxAttempts < 1 { throw ValidationError("--max-attempts must be at least 1") }
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
        take(&country, "country")
        take(&phoneColumn, "phone-column")
        take(&delimiter, "delimiter")
        take(&suppress, "suppress")
        take(&baseURL, "base-url")
        take(&state, "state")
        take(&chunkSize, "chunk-size")
        take(&maxRate, "max-rate")
        take(&job, "job")
        take(&maxErrors, "max-errors")
        take(&maxAttempts, "max-attempts")
        dryRun = dryRun || file.flags["dry-run"] == true
        allowChangedInput = allowChangedInput || file.flags["allow-changed-input"] == true
        logging.apply(file)
    }

    static func delimiterByte(_ text: String) -> String? {
        switch text.lowercased() {
        case ",", ";", "|": text
        case "tab", "\\t", "\t": "\t"
        default: nil
        }
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
        var options = RunOptions(
            csvPath: csv, jobName: jobName, statePath: state ?? StatePaths.file(job: jobName), sender: (sender ?? "").lowercased(),
            message: messageText, baseURL: baseURL ?? env["ZIETT_BASE_URL"] ?? ZiettClientConfiguration.defaultBaseURL,
            apiKey: env["ZIETT_API_KEY"], dispatch: dispatch)
        options.country = country?.uppercased()
        options.phoneColumn = phoneColumn
        options.delimiter = delimiter.flatMap(Self.delimiterByte)
        options.suppressPath = suppress
        options.chunkSize = chunkSize ?? 1000
        options.dryRun = dryRun
        options.allowChangedInput = allowChangedInput
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
        let watcher = SignalWatcher.watch(stop)
        defer { watcher.cancel() }
        var progressLog = logger
        progressLog[metadataKey: "job.name"] = "\(options.jobName)"
        let progress = ProgressPrinter(mode: ProgressPrinter.mode(quiet: logging.quiet), logger: progressLog, interval: progressInterval)
        let summary = await JobRunner(options: options, stop: stop, logger: logger).run(onProgress: progress.update)
        progress.finish()
        RunSummaryPrinter.print(summary, quiet: logging.quiet)
        if summary.exitStatus != .complete { throw summary.exitStatus.exitCode }
    }
}
