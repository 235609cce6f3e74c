public import Checkpoint
import Foundation
public import Logging
public import ZiettAPI
public import ZiettClient

/// One paged, paced, retried read of a list endpoint: the reconciler's look-ups and the tracker's scans.
///
/// Every page passes the run's `RequestGate` (the read budget, `Retry-After`), and a page that fails
/// for a reason that may pass (429, 5xx, a timeout, an answer that does not decode) is asked again
/// after a backoff, up to `maxAttempts` times. A refusal that asking again cannot change (a 4xx other
/// than 429) ends the read at once. This is the only page loop and the only read retry loop.
public final class ListReader {
    /// Why a read stopped before its last page.
    public enum End: Sendable, Equatable {
        /// Every page was read, or the caller had seen enough.
        case finished
        /// A stop was requested.
        case interrupted
        /// The read budget allows the next page only after the longest wait.
        case waiting(until: Double)
        /// 401/403: the key or its scope was refused.
        case authentication(RecordedError)
        /// The API kept failing, or refused the query, or the list read was incomplete.
        case failed(RecordedError)
        /// A redirect: the base URL is not the API (never followed).
        case misconfigured(RecordedError)
    }

    let client: ZiettClient
    /// The gate every page passes.
    public let gate: RequestGate
    let maxAttempts: Int
    let logger: Logger
    private var backoff: Backoff
    /// Pages asked for (`GET` requests made), retries included.
    public private(set) var pagesRead = 0

    /// Creates a reader.
    public init(client: ZiettClient, gate: RequestGate, maxAttempts: Int, backoff: Backoff, logger: Logger) {
        self.client = client
        self.gate = gate
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.logger = logger
    }

    /// Reads the pages of `query` from the first, handing each entry to `take` until it returns false
    /// or the last page is read.
    ///
    /// `.finished` after the last page means the whole list was seen: the entries read add up to the
    /// list's `total`. A read that ends short of it (an empty page before the last, `pages` that disagree
    /// with `total`) proves nothing and ends `.failed` (`INCOMPLETE_LIST`), so a look-up never takes a
    /// partial list for absence.
    public func read<Query: ListQuery>(_ query: Query, _ take: (Query.Entry) -> Bool) async -> End {
        var page = 1
        var seen = 0
        while true {
            let list: Page<Query.Entry>
            switch await fetch(query, page: page) {
            case .failure(let end): return end
            case .success(let fetched): list = fetched
            }
            seen += list.entries.count
            for entry in list.entries where !take(entry) { return .finished }
            if page >= list.pages || list.entries.isEmpty {
                guard seen >= list.total else {
                    return .failed(RecordedError(
                        httpStatus: nil, code: "INCOMPLETE_LIST",
                        message: "\(Query.endpoint.rawValue) ended at page \(page) of \(list.pages) with \(seen) of \(list.total) entries"))
                }
                return .finished
            }
            page += 1
        }
    }

    /// One page, retried.
    private func fetch<Query: ListQuery>(_ query: Query, page: Int) async -> Result<Page<Query.Entry>, End> {
        var failures = 0
        var retryAt: Double?
        while true {
            switch await gate.pass(Query.endpoint, notBefore: retryAt) {
            case .go: break
            case .stopped: return .failure(.interrupted)
            case .tooFar(let until): return .failure(.waiting(until: until))
            case .lost: return .failure(.interrupted)  // only with a `Keep`, which reads never pass
            }
            pagesRead += 1
            let result = await client.list(query, page: page)
            gate.record(Query.endpoint, result)
            if case .success(let response) = result, response.isSuccess, let list = response.decode(Page<Query.Entry>.self) {
                return .success(list)
            }
            let error: RecordedError
            var retryAfter: Double?
            switch SendOutcome.classify(result, for: Query.endpoint) {
            case .authentication(let e):
                return .failure(.authentication(e))
            case .redirected(let e):
                return .failure(.misconfigured(e))
            case .rejected(let e, _), .insufficientFunds(let e):
                // A refused query (422, 404) will not succeed by asking again.
                return .failure(.failed(e))
            case .notProcessed(let e, let after), .inDoubt(let e, let after):
                error = e
                retryAfter = after
            case .accepted:
                error = RecordedError(httpStatus: result.status, code: "UNREADABLE_LIST", message: "the list answer could not be decoded")
            }
            failures += 1
            logger.warning("look-up failed: \(error.summary)", metadata: ["api.trace_id": "\(error.traceID ?? "-")"])
            if failures >= maxAttempts { return .failure(.failed(error)) }
            // The retry waits at the gate like every request: past `--max-wait` the read ends `.waiting`.
            retryAt = gate.clock.now() + backoff.delay(afterFailures: failures, retryAfter: retryAfter)
        }
    }
}

/// `End` is the failure of one page's `Result`.
extension ListReader.End: Error {}

extension Result where Success == ZiettHTTPResponse {
    /// The HTTP status, when an answer came.
    var status: Int? { if case .success(let r) = self { r.status } else { nil } }
}
