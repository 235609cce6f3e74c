public import Checkpoint
import Crypto
import Foundation
public import Logging
import ZiettAPI

/// The budget of one API key, as the `RequestGate` uses it: a `KeyLedger` file under the state directory,
/// shared by every job (any state file, any process) on this host that sends with the key; or, for a state
/// several hosts share, the ledger that state keeps (`StateStore.keyLedger(apiKey:)`), shared by every host.
///
/// A ledger that fails (busy beyond its 5 s timeout, unwritable directory, damaged file) is not a reason to
/// stop sending: the gate falls back to this process's own pacing, which alone is what every job did
/// before, says so once, and tries the ledger again after `retryAfter` seconds, doubling up to 5 minutes
/// while it keeps failing (a ledger held busy answers only after its 5 s timeout, a stall each try). A
/// first version gave the ledger up for the rest of the run, so one busy moment left a long job pacing at
/// the key's whole limit beside the others until it ended.
public final class KeyBudget {
    let ledger: any KeySlotLedger
    let logger: Logger
    /// Until when the ledger is left alone after a failure (nil: in use).
    private var failedUntil: Double?
    /// The time of the last call, for the calls that are given none.
    private var lastNow = 0.0
    /// Seconds between a first failure and the next try.
    public static let retryAfter = 30.0
    /// The longest wait between tries.
    static let longestRetry = 300.0
    /// The wait after the current failure.
    private var retryDelay = retryAfter
    /// The reservation made for the request that passed the gate last, per bucket.
    private var reserved: [PacingBucket: KeyLedger.Reservation] = [:]

    /// Opens the ledger of `apiKey` in `directory`.
    public convenience init(directory: String, apiKey: String, logger: Logger) throws {
        self.init(ledger: try KeyLedger(path: directory + "/" + Self.fileName(forKey: apiKey)), logger: logger)
    }

    /// Uses `ledger` (a shared state's own).
    public init(ledger: any KeySlotLedger, logger: Logger) {
        self.ledger = ledger
        self.logger = logger
    }

    /// The ledger's file name: a hash of the key, so the key itself is never written anywhere.
    public static func fileName(forKey apiKey: String) -> String {
        let digest = SHA256.hash(data: Array("ziett-batch/key-ledger/v2\u{0}\(apiKey)".utf8))
        return "key-" + digest.prefix(12).lowercaseHex + ".sqlite"
    }

    /// Reserves the next slot of `bucket` under `limit`; nil when the ledger failed (pace locally).
    ///
    /// A reservation of `bucket` still held here is one whose request never left: the gate let it pass,
    /// then no answer was recorded (the chunk was left to another host, whose lease or settled chunk
    /// refused the intent; a look-up passed the gate before its reader passed again for the same page). It
    /// is given back first: unsettled, it would count as "now" for 2 minutes, and enough of them fill the
    /// key's window for every host (seen with three hosts whose sessions were ended, `DatabaseFaultTests`).
    func reserve(_ bucket: PacingBucket, limit: RateLimit, margin: Double, now: Double, maxWait: Double) -> KeyLedger.Outcome? {
        guard isAvailable(at: now) else { return nil }
        do {
            if let unused = reserved.removeValue(forKey: bucket) { try ledger.release(unused.id) }
            let outcome = try ledger.reserve(
                bucket: bucket.rawValue, count: limit.count, window: limit.window, margin: margin, now: now, maxWait: maxWait)
            if case .reserved(let reservation) = outcome { reserved[bucket] = reservation }
            recovered()
            return outcome
        } catch {
            fail(error, at: now)
            return nil
        }
    }

    /// The slot `reserve` would give now, without reserving; nil when the ledger failed or cannot say (an
    /// estimate: a failure here leaves the budget to `reserve`, which decides).
    func earliest(_ bucket: PacingBucket, limit: RateLimit, margin: Double, now: Double) -> Double? {
        guard isAvailable(at: now) else { return nil }
        return try? ledger.earliest(bucket: bucket.rawValue, count: limit.count, window: limit.window, margin: margin, now: now)
    }

    /// The requests of `bucket` the server certainly counted in its window with the one that passed last,
    /// that one included (`KeyLedger.servedInWindow`, every job's on the key), answered at `now`; nil when
    /// the ledger failed or cannot say (then only this job's own count is known).
    func servedInWindow(_ bucket: PacingBucket, limit: RateLimit, now: Double) -> Int? {
        guard isAvailable(at: now), let reservation = reserved[bucket] else { return nil }
        return (try? ledger.servedInWindow(bucket: bucket.rawValue, window: limit.window, start: reservation.at, now: now)).map { $0 + 1 }
    }

    /// The request that passed for `bucket` was answered (or failed) at `time`; `blockedUntil` is a block
    /// its answer asked for (`Retry-After`), shared with every process.
    /// `served`: the server answered it, other than with 429.
    func answered(_ bucket: PacingBucket, at time: Double, served: Bool, blockedUntil: Double?) {
        // A reservation made before a failure is settled too: otherwise it counts as "now" for 2 minutes.
        let id = reserved.removeValue(forKey: bucket)?.id
        guard id != nil || isAvailable(at: time) else { return }
        do {
            if let id { try ledger.settle(id, at: time, served: served) }
            if let blockedUntil { try ledger.block(bucket: bucket.rawValue, until: blockedUntil) }
        } catch {
            fail(error, at: time)
        }
    }

    /// The request that held `bucket`'s reservation will not leave (stopped while waiting).
    func abandon(_ bucket: PacingBucket) {
        guard let id = reserved.removeValue(forKey: bucket)?.id else { return }
        do { try ledger.release(id) } catch { fail(error, at: lastNow) }
    }

    private func isAvailable(at now: Double) -> Bool {
        lastNow = now
        guard let until = failedUntil else { return true }
        return now >= until
    }

    private func fail(_ error: any Error, at now: Double) {
        if failedUntil == nil {
            retryDelay = Self.retryAfter
            logger.warning("the key's shared budget is unavailable; pacing this job alone, trying again from time to time", metadata: [
                "ledger": "\(ledger.path)", "error": "\(error)",
            ])
        } else {
            retryDelay = min(Self.longestRetry, retryDelay * 2)
        }
        failedUntil = now + retryDelay
    }

    private func recovered() {
        guard failedUntil != nil else { return }
        failedUntil = nil
        logger.notice("the key's shared budget is available again", metadata: ["ledger": "\(ledger.path)"])
    }
}
