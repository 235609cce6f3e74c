import ArgumentParser
import Delivery

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
              export ZIETT_API_KEY=zk_live_…
              ziett-batch run recipients.csv --sender <uuid> --message "Hello" --country AO

            `ziett-batch help <command>` (or `<command> --help`) explains every option, with an example.
            """,
        version: "0.1.0",
        subcommands: [
            RunCommand.self, ValidateCommand.self, StatusCommand.self, ReportCommand.self, TrackCommand.self, RetryCommand.self,
            ResolveCommand.self,
            SimCommand.self, DemoCommand.self,
        ]
    )
}

extension ZiettBatch {
    /// Parses and runs the command; the one place where an error becomes an exit code.
    ///
    /// ArgumentParser's own errors (help, usage: 64) and the `ExitCode`s the commands throw pass through;
    /// any other error a command lets escape is printed once and exits with its `ExitStatus` (not 1).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .failure else { exit(withError: error) }
            let status = ExitStatus(escaped: error)
            printError("error: \(error)" + (status == .software ? " (an internal error: please report it)" : ""))
            exit(withError: status.exitCode)
        }
    }
}
