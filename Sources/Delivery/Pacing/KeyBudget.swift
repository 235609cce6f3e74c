import Checkpoint
import Crypto
import Foundation
public import Logging
import ZiettAPI

/// The machine-wide budget of one API key, as the `RequestGate` uses it: a `KeyLedger` file under the
/// state directory, shared by every job (any state file, any process) that sends with the key.
///
/// A ledger that fails (unwritable directory, damaged file) is not a reason to stop sending: the gate
/// falls back to this process's own pacing, which alone is what every job did before, and says so once.
public final class KeyBudget {
    let ledger: KeyLedger
    let logger: Logger
    private var failed = false
    /// The reservation made for the request that passed the gate last, per bucket.
    private var reserved: [PacingBucket: Int64] = [:]

    /// Opens the ledger of `apiKey` in `directory`.
    public init(directory: String, apiKey: String, logger: Logger) throws {
        ledger = try KeyLedger(path: directory + "/" + Self.fileName(forKey: apiKey))
        self.logger = logger
    }

    /// The ledger's file name: a hash of the key, so the key itself is never written anywhere.
    public static func fileName(forKey apiKey: String) -> String {
        let digest = SHA256.hash(data: Array("ziett-batch/key-ledger/v2\u{0}\(apiKey)".utf8))
        return "key-" + digest.prefix(12).lowercaseHex + ".sqlite"
    }

    /// Reserves the next slot of `bucket` under `limit`; nil when the ledger failed (pace locally).
    func reserve(_ bucket: PacingBucket, limit: RateLimit, margin: Double, now: Double, maxWait: Double) -> KeyLedger.Outcome? {
        guard !failed else { return nil }
        do {
            let outcome = try ledger.reserve(
                bucket: bucket.rawValue, count: limit.count, window: limit.window, margin: margin, now: now, maxWait: maxWait)
            if case .reserved(let reservation) = outcome { reserved[bucket] = reservation.id }
            return outcome
        } catch {
            fail(error)
            return nil
        }
    }

    /// The slot `reserve` would give now, without reserving; nil when the ledger failed or cannot say (an
    /// estimate: a failure here leaves the budget to `reserve`, which decides).
    func earliest(_ bucket: PacingBucket, limit: RateLimit, margin: Double, now: Double) -> Double? {
        guard !failed else { return nil }
        return try? ledger.earliest(bucket: bucket.rawValue, count: limit.count, window: limit.window, margin: margin, now: now)
    }

    /// The request that passed for `bucket` was answered (or failed) at `time`; `blockedUntil` is a block
    /// its answer asked for (`Retry-After`), shared with every process.
    func answered(_ bucket: PacingBucket, at time: Double, blockedUntil: Double?) {
        guard !failed else { return }
        do {
            if let id = reserved.removeValue(forKey: bucket) { try ledger.settle(id, at: time) }
            if let blockedUntil { try ledger.block(bucket: bucket.rawValue, until: blockedUntil) }
        } catch {
            fail(error)
        }
    }

    /// The request that held `bucket`'s reservation will not leave (stopped while waiting).
    func abandon(_ bucket: PacingBucket) {
        guard !failed, let id = reserved.removeValue(forKey: bucket) else { return }
        do { try ledger.release(id) } catch { fail(error) }
    }

    private func fail(_ error: any Error) {
        failed = true
        logger.warning("the key's shared budget is unavailable; pacing this job alone", metadata: [
            "ledger": "\(ledger.path)", "error": "\(error)",
        ])
    }
}
