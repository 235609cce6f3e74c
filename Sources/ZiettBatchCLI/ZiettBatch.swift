import ArgumentParser

/// `ziett-batch`: send bulk SMS campaigns from a CSV through the Ziett API, safely, from cron.
@main
struct ZiettBatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ziett-batch",
        abstract: "Send bulk SMS campaigns from a CSV through the Ziett API, resumably and never twice.",
        discussion: """
            A job reads a recipients CSV, validates every number to E.164, checkpoints every recipient and \
            every request in a SQLite state file, and sends in paced chunks. Run it again (cron does) and it \
            continues where it stopped: no recipient is sent twice and none is lost.

            Quick start:
              ziett-batch demo
              ZIETT_API_KEY=zk_live_… ziett-batch run recipients.csv --sender <uuid> --message "Hello" --country AO
            """,
        version: "0.1.0",
        subcommands: [
            RunCommand.self, ValidateCommand.self, StatusCommand.self, ReportCommand.self, TrackCommand.self, RetryCommand.self,
            SimCommand.self, DemoCommand.self,
        ]
    )
}
