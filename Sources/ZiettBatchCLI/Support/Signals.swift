import Delivery
import UnixSignals

/// Turns SIGTERM/SIGINT into a stop request: the job loop takes no new chunks, waits briefly for what
/// is in flight, records it, and the process exits with "run again later".
enum SignalWatcher {
    /// Starts watching; the returned task ends when the process does.
    static func watch(_ stop: StopFlag) -> Task<Void, Never> {
        Task.detached {
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                printError("received \(signal): finishing what is in flight, then stopping (run again to continue)")
                stop.request()
            }
        }
    }
}
