import ArgumentParser
import Delivery
import Foundation
import ZiettSimulator

/// `ziett-batch sim`: run the Ziett API simulator in the foreground.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a local, stateful Ziett API simulator (with optional faults) for rehearsals and tests.",
        discussion: """
            Serves /c/v1 on 127.0.0.1. Point a run at it with --base-url http://127.0.0.1:<port>/c/v1.

            Example:
              ziett-batch sim --port 8080 --fail-rate 0.1 --lost-reply-rate 0.05 --ledger ledger.json
            """)

    @Option(help: "Port to listen on (0: any free port, printed).")
    var port: Int = 8080

    @Option(help: "The only API key accepted (default: any key starting with zk_test_).")
    var apiKey: String?

    @Flag(help: "Ignore Idempotency-Key entirely (the worst case the docs leave open).")
    var ignoreIdempotencyKeys = false

    @Flag(help: "No rate limits.")
    var noRateLimits = false

    @Option(help: "Batch requests allowed per window.")
    var batchLimit: Int = 10

    @Option(help: "Rate-limit window in seconds.")
    var window: Double = 60

    @Option(help: "Share of POSTs answered 500/502/503.")
    var failRate: Double = 0

    @Option(help: "Share of POSTs answered 429 (bursts).")
    var burstRate: Double = 0

    @Option(help: "Share of POSTs whose reply is lost after the work is done.")
    var lostReplyRate: Double = 0

    @Option(help: "Added latency per request, up to this many seconds.")
    var latency: Double = 0

    @Option(help: "Balance in recipients (402 when it runs out).")
    var balance: Int?

    @Option(help: "Random seed for faults and ids.")
    var seed: UInt64 = 1

    @Option(help: "Write the ledger (everything accepted) as JSON to this file on exit.")
    var ledger: String?

    func run() async throws {
        var config = noRateLimits ? SimulatorConfiguration.unlimited : SimulatorConfiguration()
        if let apiKey { config.apiKeys = [apiKey] }
        if !noRateLimits {
            config.batchLimit = .init(count: batchLimit, window: window)
            config.singleLimit = .init(count: 120, window: window)
            config.readLimit = .init(count: 300, window: window)
        }
        config.ignoreIdempotencyKeys = ignoreIdempotencyKeys
        config.faults.serverErrorRate = failRate
        config.faults.spuriousRateLimitRate = burstRate
        config.faults.lostReplyRate = lostReplyRate
        config.faults.latency = latency
        config.balance = balance
        config.seed = seed
        let server = try await ZiettSimulatorServer.start(configuration: config, port: port)
        print("Ziett simulator listening on \(server.baseURL) (seed \(seed)); Ctrl-C to stop")
        let stop = StopFlag()
        let watcher = SignalWatcher.watch(stop)
        while !stop.isRequested { try? await Task.sleep(for: .milliseconds(200)) }
        watcher.cancel()
        if let ledger {
            let snapshot = await server.ledger()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(LedgerFile(campaigns: snapshot.campaigns, messages: snapshot.messages))
            try data.write(to: URL(fileURLWithPath: ledger))
            print("ledger written to \(ledger)")
        }
        await server.stop()
    }
}

struct LedgerFile: Codable {
    var campaigns: [LedgerCampaign]
    var messages: [LedgerMessage]
}
