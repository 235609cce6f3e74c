import ArgumentParser
import Checkpoint
import Delivery
import Foundation
import ZiettAPI
import ZiettClient
import ZiettSimulator

/// `ziett-batch demo`: a real job, end to end, against the embedded simulator.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Send a built-in sample to an embedded simulator.",
        discussion: """
            Starts the simulator on a free loopback port, sends the sample recipients (51 rows, some \
            invalid or repeated on purpose; built into the binary, so it runs from any directory) in small \
            paced chunks, looks up each message's delivery status (as `track` does), then prints the \
            summary and where the state file and the report are. Needs no API key and no network.

            Example:
              ziett-batch demo
              ziett-batch demo --csv customers.csv --directory /tmp/rehearsal
            """)

    @Option(help: "The CSV to send (default: the built-in sample, a copy of samples/recipients.csv).")
    var csv: String?

    @Option(help: "Where to put the state file and the report (default: a new temporary directory).")
    var directory: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap(label: "ziett-batch.demo")
        if let csv, !FileManager.default.fileExists(atPath: csv) {
            printError("\(csv): no such file (leave out --csv to send the built-in sample)")
            throw ExitStatus.noInput.exitCode
        }
        // A new directory each time (a reused process id must not resume an earlier demo's finished job);
        // kept afterwards, so the state and the report can be looked at.
        let dir = directory ?? NSTemporaryDirectory() + "ziett-batch-demo-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let input: String
        if let csv {
            input = csv
        } else {
            input = dir + "/recipients.csv"
            // Written once: a second demo in the same --directory resumes its job, which a new file (a new
            // modification time) would refuse as a changed input.
            if (try? String(contentsOfFile: input, encoding: .utf8)) != DemoSample.csv {
                try DemoSample.csv.write(toFile: input, atomically: false, encoding: .utf8)
            }
        }
        var simConfig = SimulatorConfiguration()
        simConfig.batchLimit = .init(count: 5, window: 1)
        // Campaigns move through PROCESSING → SENDING → COMPLETED at once, so the delivery look-up right
        // after the send has something to show (with the API's real timing it would find nothing yet).
        simConfig.lifecycle = .instant
        let server = try await ZiettSimulatorServer.start(configuration: simConfig)
        say("simulator: \(server.baseURL)")
        let statePath = dir + "/demo.sqlite"
        var dispatch = DispatchOptions(seed: 42)
        dispatch.maxRate = RateLimit(count: 5, window: 1)
        var options = RunOptions(
            csvPath: input, jobName: "demo", statePath: statePath, sender: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e",
            message: "Olá! A sua encomenda está pronta para levantamento. Obrigado.", baseURL: server.baseURL,
            apiKey: "zk_test_demo", dispatch: dispatch)
        options.country = "AO"
        options.chunkSize = 10
        let stop = StopFlag()
        let watcher = await SignalWatcher.watch(stop)
        let summary = await JobRunner(options: options, stop: stop, logger: logger).run()
        watcher.cancel()
        RunSummaryPrinter.print(summary, quiet: false)
        if summary.exitStatus == .complete, let store = try? SQLiteStateStore(path: statePath), let job = try store.job(named: "demo") {
            // What `ziett-batch track` does later: ask the API what became of each message.
            let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: server.baseURL, apiKey: "zk_test_demo"), logger: logger)
            let tracked = try await DeliveryTracker(
                store: store, job: job, client: client, readRate: RateLimit(count: 10, window: 1), logger: logger
            ).run()
            await client.shutdown()
            TrackCommand.summary(job: job.name, tracked).write()
        }
        let ledger = await server.ledger()
        await server.stop()
        let reportPath = dir + "/demo-report.csv"
        var text = RecipientReportWriter.header
        if let store = try? SQLiteStateStore(path: statePath, readOnly: true), let job = try store.job(named: "demo") {
            try store.forEachRecipientWithDelivery(jobID: job.id) { r, d in text += RecipientReportWriter.line(r, d) }
        }
        try text.write(toFile: reportPath, atomically: false, encoding: .utf8)
        say("simulator accepted \(ledger.campaigns.count) batch(es), \(ledger.messages.count) message(s)")
        say("report: \(reportPath)")
        say("inspect: ziett-batch status --state \(statePath)")
        if summary.exitStatus != .complete { throw summary.exitStatus.exitCode }
    }
}
