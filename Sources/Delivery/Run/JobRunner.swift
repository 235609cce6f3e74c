import Checkpoint
import PostgresCheckpoint
import Foundation
public import Logging
import Recipients
import Synchronization
import ZiettAPI
import ZiettClient

/// Runs one job end to end: lock, create or resume, ingest, plan, send, summarise.
///
/// The CLI's `run` is a thin shell over this; the tests drive it directly too.
public struct JobRunner {
    let options: RunOptions
    let stop: StopFlag
    let clock: any JobClock
    let logger: Logger

    /// Creates a runner. Tests pass a `ManualClock` to drive time.
    public init(options: RunOptions, stop: StopFlag = StopFlag(), clock: any JobClock = SystemClock(), logger: Logger) {
        self.options = options
        self.stop = stop
        self.clock = clock
        self.logger = logger
    }

    /// Runs the job; never throws: every failure becomes a report with its exit code.
    public func run(onProgress: (@Sendable (RunProgress) -> Void)? = nil) async -> RunSummary {
        do {
            return try await runThrowing(onProgress: onProgress)
        } catch let error as RunFailure {
            return error.report
        } catch let error as CSVFileError {
            return RunSummary(exitStatus: ExitStatus(for: error), headline: "cannot use the input: \(error)")
        } catch let error as PairSorterError {
            return RunSummary(exitStatus: .ioError, headline: "cannot write temporary files while finding duplicates: \(error)")
        } catch let error as StateStoreError {
            return RunSummary(exitStatus: ExitStatus(for: error), headline: "\(error)")
        } catch let error as any StateFileFailure {
            let what = error is PostgresStateError ? "PostgreSQL state error" : "state file error"
            return RunSummary(exitStatus: .ioError, headline: "\(what): \(error)")
        } catch {
            return RunSummary(exitStatus: .software, headline: "internal error: \(error)")
        }
    }

    private func runThrowing(onProgress: (@Sendable (RunProgress) -> Void)?) async throws -> RunSummary {
        // Opening for writing takes the state file's lock (one writer, whatever path reaches the file) before
        // the schema is migrated or anything is read: another run of the job means 75, nothing sent.
        let location: StateLocation
        do { location = try StateLocation(options.statePath) } catch {
            throw RunFailure(.usage, "--state: \(error)")
        }
        let store: any StateStore
        do {
            store = try location.open(access: .send, clock: clock, leaseSeconds: options.dispatch.lease, logger: logger)
        } catch let error as StateStoreError where error.code == .locked {
            throw RunFailure(.runAgainLater, "\(error)")
        }
        defer { store.close() }
        if store.isShared && options.dispatch.lease <= options.dispatch.requestTimeout {
            throw RunFailure(
                .usage,
                "--lease \(Int(options.dispatch.lease)) must be longer than --request-timeout \(Int(options.dispatch.requestTimeout)): "
                    + "a host's answer must come back while it still holds the chunk")
        }
        // One sending run of a job per host (a state file's lock already is one).
        guard try store.tryHostRunLock(jobName: options.jobName) else {
            throw RunFailure(.runAgainLater, "another run of job \"\(options.jobName)\" is active on this host (\(store.location)); nothing was changed")
        }
        // One host reads the CSV (or applies a changed one); the others wait for it, or send what it planned.
        var readsInput = false
        let jobName = options.jobName
        defer { if readsInput { try? store.releaseIngestLock(jobName: jobName) } }
        var job = try prepareJob(store, readsInput: &readsInput)
        var log = logger
        log[metadataKey: "job.name"] = "\(job.name)"

        var ingested: Ingestor.Summary?
        if job.phase == .ingesting && !readsInput {
            readsInput = try await takeIngestTurn(store, job: job, log: log)
            // Another host may have read it, or read part of it, while this one waited.
            job = try store.job(named: job.name) ?? job
        }
        if job.phase == .ingesting {
            let suppression = try loadSuppression()
            let summary = try Ingestor().run(
                store: store, job: job,
                classifier: makeClassifier(job),
                suppression: suppression, shouldStop: { stop.isRequested })
            guard summary.planned else {
                throw RunFailure(.runAgainLater, "interrupted while reading the CSV; the next run continues from row \(summary.rowsRead)")
            }
            log.info("input read and planned", metadata: [
                "rows": "\(summary.rowsRead)", "chunks": "\(summary.chunks)",
                "duplicates.check": "\(summary.duplicatesInOnePass ? "one pass" : "read ahead on a second thread (more numbers than the table holds)")",
            ])
            job = try store.job(named: job.name) ?? job
            ingested = summary
        }
        // Read (or applied): the lock goes back now, not after the send, so a changed input on another host
        // need not wait for this run to end.
        if readsInput {
            try? store.releaseIngestLock(jobName: jobName)
            readsInput = false
        }
        let plan = try PlanCalculator(
            store: store, job: job, maxRate: options.dispatch.maxRate, counts: ingested?.counts, messages: ingested?.messages
        ).summary()
        var report = RunSummary(exitStatus: .complete, headline: "")
        report.jobName = job.name
        report.statePath = store.location
        report.plan = plan
        if let outlook = try WindowOutlook.make(store: store, job: job, now: clock.now()) {
            report.plan?.window = outlook
            // Nothing open now: the send starts when the next window opens.
            if outlook.openNow == 0, let opening = outlook.nextOpening {
                report.plan?.estimatedSeconds += max(0, opening - clock.now())
            }
        }

        if options.dryRun {
            report.counts = try ingested?.counts ?? store.counts(jobID: job.id)
            report.numberTypes = try ingested?.numberTypes ?? store.numberTypeCounts(jobID: job.id)
            report.headline = "dry run: nothing was sent"
            return report
        }
        guard let apiKey = options.apiKey, !apiKey.isEmpty else {
            throw RunFailure(.usage, "ZIETT_API_KEY is not set: export the API key in the environment (it is never taken as a flag)")
        }
        // The client's timeout and the dispatcher's settle rule must agree: one number, from the options.
        let configuration = ZiettClientConfiguration(
            baseURL: options.baseURL, apiKey: apiKey, requestTimeout: .milliseconds(Int64(options.dispatch.requestTimeout * 1000)))
        if let problem = configuration.transportProblem(allowInsecureHTTP: options.allowInsecureHTTP) {
            throw RunFailure(.usage, "\(problem); nothing was sent")
        }
        let client = ZiettClient(configuration: configuration, logger: log)
        let end: DispatchEnd
        let dispatcher: Dispatcher
        do {
            // Every job on this key shares its budget; a ledger that cannot be opened leaves this job pacing alone.
            // A shared state keeps the key's budget for every host; a state file's is the ledger file beside it.
            let shared = try store.keyLedger(apiKey: apiKey).map { KeyBudget(ledger: $0, logger: log) }
            let budget = shared ?? options.keyLedgerDirectory.flatMap { directory in
                do { return try KeyBudget(directory: directory, apiKey: apiKey, logger: log) } catch {
                    log.warning("the key's shared budget is unavailable; pacing this job alone", metadata: ["error": "\(error)"])
                    return nil
                }
            }
            dispatcher = try Dispatcher(
                store: store, job: job, client: client, options: options.dispatch, stop: stop, clock: clock, budget: budget,
                logger: log)
            if let onProgress {
                // Counted once here; the loop's in-memory counters do the rest, so progress costs no query.
                let start = try store.counts(jobID: job.id)
                let sent = start.recipients(.sent)
                let total = sent + start.recipients(.pending)
                let open = start.openChunks
                // Batches and single messages side by side (grouped texts): the pace of both together, as the
                // plan's ETA has it; else the one endpoint's limit.
                let rate = plan.requests.batches > 0 && plan.requests.messages > 0 && plan.estimatedSeconds > 0
                    ? RateLimit(count: 1, window: plan.estimatedSeconds / Double(max(1, plan.requests.total - 1)))
                    : SendLimits(job: job, maxRate: options.dispatch.maxRate).limit(for: plan.endpoint)
                onProgress(RunProgress(
                    accepted: sent, total: total, acceptedThisRun: 0, requestsThisRun: 0, retriesThisRun: 0, chunksDone: 0,
                    chunksOpen: open, rate: rate))
                dispatcher.onProgress = { p in
                    onProgress(RunProgress(
                        accepted: sent + p.acceptedThisRun, total: total, acceptedThisRun: p.acceptedThisRun,
                        requestsThisRun: p.requestsThisRun, retriesThisRun: p.retriesThisRun, chunksDone: p.chunksDone,
                        chunksOpen: open, rate: rate))
                }
            }
            log.info("sending", metadata: ["seed": "\(options.dispatch.seed)", "rate": "\(plan.rate)"])
            end = try await dispatcher.run()
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        let counts = try store.counts(jobID: job.id)
        if end == .complete { try store.setPhase(jobID: job.id, .complete) }
        report.counts = counts
        // Counted after the send, so a resumed job's first request does not wait for a scan of its rows.
        report.numberTypes = try ingested?.numberTypes ?? store.numberTypeCounts(jobID: job.id)
        report.acceptedThisRun = dispatcher.acceptedThisRun
        report.requestsThisRun = dispatcher.requestsThisRun
        report.exitStatus = end.exitStatus
        report.headline = end.headline(counts: counts)
        if let advice = end.advice { report.details.append(advice) }
        // Requests no look-up can settle wait for a person, however often cron runs: say so, and how.
        let undecided = try store.ambiguousRows(jobID: job.id)
        if !undecided.isEmpty {
            report.details.append(
                "\(undecided.count == 20 ? "20 or more" : "\(undecided.count)") row(s) wait for a person: the API has a message to the "
                    + "number with another text since the request (rows \(undecided.map(String.init).joined(separator: ", "))); check "
                    + "them in the dashboard, then `ziett-batch resolve --row <row> --as sent|absent`")
        }
        return report
    }

    /// Creates the job, or checks that the existing one is this command's (same settings, same input), and
    /// applies a changed input when allowed. A shared state: the input is compared by content (hosts' copies
    /// of one file differ in modification time), a job another host created at the same moment is checked
    /// like any existing one, and a changed input is applied only under the ingest lock (`readsInput` set),
    /// so no host rewrites rows another host is reading.
    private func prepareJob(_ store: any StateStore, readsInput: inout Bool) throws -> Job {
        let settings = options.settings
        let fingerprint = store.isShared ? InputFingerprint.ofContent(path: options.csvPath) : InputFingerprint.of(path: options.csvPath)
        guard let fingerprint else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: options.csvPath, isDirectory: &isDirectory)
            let why = !exists ? "no such file" : isDirectory.boolValue ? "is a directory, not a CSV file" : "cannot be read (permissions?)"
            throw RunFailure(.noInput, "\(options.csvPath): \(why)")
        }
        try checkCanSend()
        var job: Job
        if let existing = try store.job(named: options.jobName) {
            job = existing
        } else {
            // The campaign's identity goes into every batch name, so the API can tell a later job (from a
            // lost state file) that this campaign was sent (ResendCheck).
            var created = settings
            created.campaignFingerprint = CampaignFingerprint.of(csvPath: options.csvPath, sender: settings.sender, message: settings.message)
            // Another host may create it at the same moment: whichever row exists comes back, checked below.
            job = try store.createJob(name: options.jobName, settings: created, inputFingerprint: fingerprint)
        }
        let differences = settings.differences(from: job.settings)
        if !differences.isEmpty {
            throw RunFailure(
                .usage,
                "job \"\(job.name)\" already exists in \(store.location) with different \(differences.joined(separator: ", ")); "
                    + "a resumed job must send exactly what it planned. Use another --job name (or --state) for a new campaign.")
        }
        if job.inputFingerprint != fingerprint {
            guard options.allowChangedInput else {
                throw RunFailure(
                    .dataError,
                    "\(options.csvPath) changed since job \"\(job.name)\" began\(store.isShared ? " (or differs from the file the job began with on another host)" : ""); nothing was sent. "
                        + "Restore the original file, or pass --allow-changed-input to add only the numbers not yet sent in this job.")
            }
            if !readsInput {
                guard try store.tryIngestLock(jobName: job.name) else {
                    throw RunFailure(.runAgainLater, "another host is reading the CSV of job \"\(job.name)\" (\(store.location)); the changed input is applied on a later run")
                }
                readsInput = true
                // Another host may have applied this very change while this one waited for the lock.
                job = try store.job(named: job.name) ?? job
                guard job.inputFingerprint != fingerprint else { return job }
            }
            switch try ChangedInput().apply(store: store, job: job, fingerprint: fingerprint, classifier: makeClassifier(job)) {
            case .restarted:
                logger.notice("the CSV changed while it was being read (nothing was sent yet): reading the new file from its start")
            case .appended(let rows, let queued, let chunks):
                logger.notice("the CSV changed: \(rows) row(s) read, \(queued) number(s) new to this job queued in \(chunks) request(s); numbers already in the job are marked duplicate")
            }
            job = try store.job(named: job.name) ?? job
        }
        return job
    }

    /// How long a host waits for another host that reads the job's CSV (a shared state) before it leaves
    /// the job to the next cron tick (exit 75): reading a million rows takes a few seconds.
    static let ingestTurnWait = 30.0

    /// One host reads a job's CSV (a shared state's ingest lock; always this one for a state file). True
    /// when this host holds the lock (release it after reading). While another host reads, waits up to
    /// `ingestTurnWait` for it to finish (false: go on to send what it planned); still reading then: exit 75.
    private func takeIngestTurn(_ store: any StateStore, job: Job, log: Logger) async throws -> Bool {
        let deadline = clock.monotonicNow() + Self.ingestTurnWait
        var said = false
        while true {
            if try store.tryIngestLock(jobName: job.name) { return true }
            if let current = try store.job(named: job.name), current.phase != .ingesting { return false }
            if !said {
                log.info("another host is reading the CSV of this job; waiting for it", metadata: ["state": "\(store.location)"])
                said = true
            }
            guard clock.monotonicNow() < deadline, !stop.isRequested else {
                throw RunFailure(.runAgainLater, "another host is reading the CSV of job \"\(job.name)\" (\(store.location)); the next run sends what it planned")
            }
            await clock.sleep(for: 0.5)
        }
    }

    /// A run that is to send checks that it can (the key, the address) before it creates the job or reads
    /// the CSV: a missing key must not leave a job behind whose settings the corrected command then differs from.
    private func checkCanSend() throws {
        guard !options.dryRun else { return }
        guard let apiKey = options.apiKey, !apiKey.isEmpty else {
            throw RunFailure(.usage, "ZIETT_API_KEY is not set: export the API key in the environment (it is never taken as a flag)")
        }
        if let problem = ZiettClientConfiguration(baseURL: options.baseURL, apiKey: apiKey).transportProblem(allowInsecureHTTP: options.allowInsecureHTTP) {
            throw RunFailure(.usage, "\(problem); nothing was sent")
        }
    }

    /// Builds the classifier for a job's CSV header, turning setup errors into exit codes.
    private func makeClassifier(_ job: Job) -> ([String]) throws -> RecipientClassifier {
        { header in
            do {
                return try RecipientClassifier(
                    header: header, phoneColumn: job.settings.phoneColumn, defaultRegion: job.settings.country,
                    message: job.settings.message, policy: job.settings.recipientPolicy)
            } catch let error as RecipientClassifier.SetupError {
                if case .template = error { throw RunFailure(.dataError, "\(error)") }
                throw RunFailure(.usage, "\(error)")
            }
        }
    }

    private func loadSuppression() throws -> [UInt64] {
        guard let path = options.suppressPath else { return [] }
        do {
            let list = try SuppressionList.load(path: path, defaultRegion: options.country)
            if list.invalid > 0 { logger.warning("\(list.invalid) line(s) of the suppression list are not valid numbers", metadata: ["file": "\(path)"]) }
            return list.numbers
        } catch let error as CSVFileError {
            throw RunFailure(ExitStatus(for: error), "suppression list \(error)")
        }
    }
}

/// A failure that already knows its exit code and message.
struct RunFailure: Error {
    var report: RunSummary
    init(_ status: ExitStatus, _ message: String) { report = RunSummary(exitStatus: status, headline: message) }
}

extension DispatchEnd {
    /// The process exit code a run that ended this way returns.
    public var exitStatus: ExitStatus {
        switch self {
        case .complete: .complete
        case .interrupted, .retriesExhausted, .waiting, .insufficientFunds, .outsideWindow: .runAgainLater
        case .authentication: .authentication
        case .tooManyErrors: .dataError
        case .misconfigured, .sentByAnotherJob: .usage
        }
    }

    func headline(counts: JobCounts) -> String {
        switch self {
        case .complete: "job complete"
        case .interrupted: "interrupted: stopped taking new chunks; \(counts.openChunks) chunk(s) left for the next run"
        case .retriesExhausted(let e): "stopped: the API kept failing (\(e.summary)); \(counts.openChunks) chunk(s) left for the next run"
        case .waiting(let until):
            "stopped: the next send is due at \(Date(timeIntervalSince1970: until)); \(counts.openChunks) chunk(s) left for the next run"
        case .authentication(let e): "stopped: the API refused the key (\(e.summary)); nothing was marked failed"
        case .insufficientFunds(let e):
            "stopped: insufficient funds (\(e.summary)); \(counts.recipients(.pending)) recipient(s) in \(counts.openChunks) chunk(s) still to send"
        case .tooManyErrors(let n): "stopped: \(n) request(s) rejected (--max-errors); check the report before running again"
        case .outsideWindow(let opening?):
            "waiting for the send window: the next one opens at \(SendSchedule.format(opening)); "
                + "\(counts.recipients(.pending)) recipient(s) in \(counts.openChunks) chunk(s) wait for it"
        case .outsideWindow(nil):
            "waiting for the send window: none opens within \(SendSchedule.horizonDays) days (or before --not-after) "
                + "for the \(counts.recipients(.pending)) recipient(s) left; see `ziett-batch status`"
        case .misconfigured(let e):
            "stopped: the API address answered with a redirect (\(e.summary)); redirects are never followed, so the key stays with the API; nothing was marked"
        case .sentByAnotherJob(let found):
            "stopped before the first request: the API already has this campaign (same CSV content, sender and message) "
                + "from another job or state file: " + found.joined(separator: "; ") + "; nothing was sent"
        }
    }

    var advice: String? {
        switch self {
        case .complete: nil
        case .interrupted, .retriesExhausted, .waiting, .outsideWindow: "run the same command again (cron will): nothing is sent twice"
        case .authentication: "check ZIETT_API_KEY and its scopes, then run again"
        case .insufficientFunds: "top up the balance, then run again: the job resumes where it stopped"
        case .tooManyErrors: "see `ziett-batch report --only rejected`; fix the cause, then `ziett-batch retry --rejected`"
        case .misconfigured: "check --base-url (or ZIETT_BASE_URL): it must be the API itself, not an address that redirects"
        case .sentByAnotherJob:
            "if the earlier job's state file exists, resume it instead (its --state and --job); to send this campaign again on "
                + "purpose, add --allow-resend (or narrow --resend-window)"
        }
    }
}
