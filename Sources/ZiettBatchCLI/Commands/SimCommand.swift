import ArgumentParser
import Delivery
import Foundation
import ZiettSimulator

/// `ziett-batch sim`: run the Ziett API simulator in the foreground.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a local Ziett API simulator, with optional faults.",
        discussion: """
            A stateful stand-in for the API, for rehearsals and tests. Serves /c/v1 on 127.0.0.1 (see \
            docs/simulator.md and docs/openapi.yaml). Point a run at it with --base-url \
            http://127.0.0.1:<port>/c/v1. The first line printed is "Ziett simulator listening on <base \
            URL> (seed <n>)".

            A --ledger file ending in .json is written on exit; any other name is a SQLite database that \
            receives every accepted campaign, message and request as it happens (statuses updated on exit).

            Example:
              ziett-batch sim --port 8080 --fail-rate 0.1 --lost-reply-rate 0.05 \\
                --ledger ledger.sqlite
            """)

    @Option(help: "Port to listen on (0: any free port, printed).")
    var port: Int = 8080

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .customLong("api-key"), help: "A key accepted with every scope (repeatable; default: any key starting with zk_test_).")
    var apiKeys: [String] = []

    @Option(name: .customLong("key-scopes"), help: "A key with only these scopes, as KEY=SCOPE,SCOPE (repeatable), e.g. zk_test_ro=messages:list,campaigns:read.")
    var keyScopes: [String] = []

    @Flag(help: "Ignore Idempotency-Key entirely (the worst case the docs leave open).")
    var ignoreIdempotencyKeys = false

    @Flag(help: "No rate limits.")
    var noRateLimits = false

    @Option(help: "POST /campaigns/batch requests allowed per window.")
    var batchLimit: Int = 10

    @Option(help: "POST /messages requests allowed per window (new docs 120/60 s; old docs 15/1 s).")
    var singleLimit: Int = 120

    @Option(help: "GET requests allowed per window (shared by every GET).")
    var readLimit: Int = 300

    @Option(help: "Rate-limit window in seconds.")
    var window: Double = 60

    @Option(help: "Rate-limit window kind: sliding or fixed.")
    var windowKind = "sliding"

    @Flag(help: "Leave out the X-RateLimit-* headers.")
    var noRateLimitHeaders = false

    @Option(help: "Share of POSTs answered 500/502/503.")
    var failRate: Double = 0

    @Option(help: "Share of POSTs answered 429 (bursts).")
    var burstRate: Double = 0

    @Option(help: "Consecutive 429s per burst.")
    var burstLength: Int = 1

    @Option(help: "Share of POSTs whose reply is lost after the work is done.")
    var lostReplyRate: Double = 0

    @Option(help: "Share of GETs answered 503.")
    var readErrorRate: Double = 0

    @Option(help: "Added latency per request, up to this many seconds.")
    var latency: Double = 0

    @Option(help: "Balance in recipients (402 when it runs out).")
    var balance: Int?

    @Option(help: "Balance in money (402 when it runs out); each message costs --price.")
    var moneyBalance: Double?

    @Option(help: "Price of one message.")
    var price: Double = 15

    @Option(help: "Share of messages that end FAILED (refunded).")
    var failedRate: Double = 0

    @Option(help: "Share of messages that end UNDELIVERED.")
    var undeliveredRate: Double = 0

    @Option(help: "Seconds a campaign stays PROCESSING.")
    var processingSeconds: Double = 1

    @Option(help: "Seconds a message stays PENDING once it exists.")
    var sendingSeconds: Double = 1

    @Option(help: "Seconds a message stays SENT.")
    var deliverySeconds: Double = 2

    @Option(help: "Random seed for faults, outcomes and ids.")
    var seed: UInt64 = 1

    @Option(help: "Ledger file: .json is written on exit; anything else is a SQLite database written as requests arrive.")
    var ledger: String?

    @Flag(help: "Take every open question the old docs' way (PENDING→COMPLETED, NOT_FOUND, full list entries, …).")
    var oldDocs = false

    @Option(help: "Batch 202 body: object ({message, campaign_id}) or null.")
    var batchBody = "object"

    @Option(help: "Campaign lifecycle: new (PROCESSING→SENDING→COMPLETED) or old (PENDING→COMPLETED).")
    var lifecycle: String?

    @Option(help: "404 code: RESOURCE_NOT_FOUND or NOT_FOUND.")
    var notFoundCode: String?

    @Option(help: "Fewest recipients per batch (new docs: 2).")
    var minBatch: Int = 2

    @Option(help: "Unparseable batch recipient: message (a FAILED message) or reject (422 for the batch).")
    var invalidRecipient = "message"

    @Option(help: "Batch funds check: sync (402) or background (campaign FAILED).")
    var fundsCheck = "sync"

    @Flag(help: "Remove repeated numbers from a batch.")
    var dedupe = false

    @Flag(help: "Campaign messages exist from the 202 on, not only after PROCESSING.")
    var messagesDuringProcessing = false

    @Flag(help: "POST /campaigns/batch ignores Idempotency-Key (POST /messages still honours it).")
    var batchIgnoresIdempotency = false

    @Flag(help: "Store and replay error answers under their Idempotency-Key.")
    var replayErrors = false

    @Flag(help: "Accept any UUID where the new docs ask for UUID v7.")
    var anyUUID = false

    @Option(help: "Status of an unreadable JSON body: 422 or 400.")
    var malformedStatus: Int = 422

    @Option(help: "Seconds (simulator clock) before a new campaign or message shows in lists and get-by-id.")
    var listLag: Double = 0

    @Option(help: "Seconds each POST's work takes; it completes even if the client has given up.")
    var workDelay: Double = 0

    @Option(help: "Share of POSTs answered 200 with an HTML page and nothing done (a misconfigured proxy).")
    var phantomAcceptRate: Double = 0

    @Option(help: "Answer every request 307 to this base URL (e.g. http://127.0.0.1:9090) plus the same path and query.")
    var redirectTo: String?

    @Option(help: "Text appended to every single message as the API stores and lists it (e.g. \" Reply STOP to opt out\").")
    var messageFooter: String?

    @Option(parsing: .unconditional, help: "Seconds added to the simulator's clock (negative, e.g. -300: the API's clock is behind the client's).")
    var clockOffset: Double = 0

    func validate() throws {
        guard ["sliding", "fixed"].contains(windowKind) else { throw ValidationError("--window-kind must be sliding or fixed") }
        guard ["object", "null"].contains(batchBody) else { throw ValidationError("--batch-body must be object or null") }
        if let lifecycle, CampaignLifecycle(rawValue: lifecycle) == nil { throw ValidationError("--lifecycle must be new or old") }
        guard InvalidRecipientHandling(rawValue: invalidRecipient) != nil else { throw ValidationError("--invalid-recipient must be message or reject") }
        guard FundsCheck(rawValue: fundsCheck) != nil else { throw ValidationError("--funds-check must be sync or background") }
        guard [400, 422].contains(malformedStatus) else { throw ValidationError("--malformed-status must be 400 or 422") }
        for entry in keyScopes where !entry.contains("=") { throw ValidationError("--key-scopes takes KEY=SCOPE,SCOPE") }
    }

    /// The simulator configuration these options describe.
    func simulatorConfiguration() -> SimulatorConfiguration {
        var config = noRateLimits ? SimulatorConfiguration.unlimited : SimulatorConfiguration()
        if !apiKeys.isEmpty { config.apiKeys = Set(apiKeys) }
        for entry in keyScopes {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            config.apiKeyScopes[parts[0]] = Set((parts.count > 1 ? parts[1] : "").split(separator: ",").map(String.init))
        }
        if !noRateLimits {
            config.batchLimit = .init(count: batchLimit, window: window)
            config.singleLimit = .init(count: singleLimit, window: window)
            config.readLimit = .init(count: readLimit, window: window)
        }
        config.rateLimitHeaders = !noRateLimitHeaders
        config.ignoreIdempotencyKeys = ignoreIdempotencyKeys
        config.faults.serverErrorRate = failRate
        config.faults.spuriousRateLimitRate = burstRate
        config.faults.burstLength = burstLength
        config.faults.lostReplyRate = lostReplyRate
        config.faults.readErrorRate = readErrorRate
        config.faults.latency = latency
        config.balance = balance
        config.moneyBalance = moneyBalance
        config.pricePerMessage = price
        config.outcomes.failedRate = failedRate
        config.outcomes.undeliveredRate = undeliveredRate
        config.lifecycle.processing = processingSeconds
        config.lifecycle.sending = sendingSeconds
        config.lifecycle.delivery = deliverySeconds
        config.seed = seed
        if oldDocs { config.fidelity = .oldDocs }
        config.batchAcceptedBodyIsNull = batchBody == "null"
        if let lifecycle, let value = CampaignLifecycle(rawValue: lifecycle) { config.fidelity.campaignLifecycle = value }
        if let notFoundCode { config.fidelity.notFoundCode = notFoundCode }
        config.minimumBatchRecipients = minBatch
        config.fidelity.invalidRecipient = InvalidRecipientHandling(rawValue: invalidRecipient) ?? .failedMessage
        config.fidelity.batchFundsCheck = FundsCheck(rawValue: fundsCheck) ?? .synchronous
        config.fidelity.rateLimitWindow = RateLimitWindow(rawValue: windowKind) ?? .sliding
        if dedupe { config.fidelity.removeDuplicateRecipients = true }
        if messagesDuringProcessing { config.fidelity.messagesAppearAfterProcessing = false }
        if batchIgnoresIdempotency { config.fidelity.batchHonoursIdempotencyKey = false }
        if replayErrors { config.fidelity.replayErrorResponses = true }
        if anyUUID { config.fidelity.requireUUIDv7 = false }
        config.fidelity.malformedBodyStatus = malformedStatus
        if let ledger, !ledger.hasSuffix(".json") { config.ledgerPath = ledger }
        config.fidelity.listLag = listLag
        config.faults.workDelay = workDelay
        config.faults.phantomAcceptRate = phantomAcceptRate
        config.fidelity.redirectTo = redirectTo
        config.fidelity.messageFooter = messageFooter
        config.clockOffset = clockOffset
        return config
    }

    func run() async throws {
        let config = simulatorConfiguration()
        let stop = StopFlag()
        let watcher = await SignalWatcher.watch(stop)
        let server = try await ZiettSimulatorServer.start(configuration: config, host: host, port: port)
        // Unbuffered: scripts wait for this line on a pipe, then may stop the simulator at once.
        FileHandle.standardOutput.write(Data("Ziett simulator listening on \(server.baseURL) (seed \(seed)); Ctrl-C to stop\n".utf8))
        while !stop.isRequested { try? await Task.sleep(for: .milliseconds(200)) }
        watcher.cancel()
        await server.stop()
        if let ledger {
            if ledger.hasSuffix(".json") {
                try LedgerFile(await server.ledger()).encoded().write(to: URL(fileURLWithPath: ledger))
            }
            print("ledger written to \(ledger)")
        }
    }
}
