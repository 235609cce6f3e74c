import ArgumentParser
import Checkpoint
import Delivery
import Recipients
import ZiettSimulator

extension ExitStatus {
    /// As ArgumentParser's exit code: the one place a process exit code is made.
    ///
    /// Commands end with `throw ExitStatus.<case>.exitCode`; nothing else builds an `ExitCode`.
    var exitCode: ExitCode { ExitCode(rawValue) }

    /// The status for an error a command let escape instead of turning it into a status itself: a CSV
    /// problem as for `run`, the state file 74, a simulator that cannot listen 64, anything else 70.
    init(escaped error: any Error) {
        switch error {
        case let error as CSVFileError: self.init(for: error)
        case let error as StateStoreError: self.init(for: error)
        case is any StateFileFailure: self = .ioError
        case is SimulatorStartError: self = .usage
        default: self = .software
        }
    }
}
