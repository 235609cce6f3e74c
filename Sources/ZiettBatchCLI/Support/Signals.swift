import Delivery
import UnixSignals

/// Turns SIGTERM/SIGINT into a stop request: the job loop takes no new chunks, waits briefly for what
/// is in flight, records it, and the process exits with "run again later".
enum SignalWatcher {
    /// Starts watching, and returns once the signals are trapped (so that a SIGTERM sent right after, e.g.
    /// by a script that saw the simulator's banner, stops the process gracefully instead of killing it);
    /// the returned task ends when the process does.
    static func watch(_ stop: StopFlag) async -> Task<Void, Never> {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        return Task.detached {
            for await signal in signals {
                printError("received \(signal): finishing what is in flight, then stopping (run again to continue)")
                stop.request()
            }
        }
    }
}
