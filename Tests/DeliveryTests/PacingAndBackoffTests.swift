import Delivery
import Foundation
import Testing
import ZiettAPI
import ZiettClient

@Suite("Pacing, backoff, keys")
struct PacingAndBackoffTests {
    @Test func pacerLetsABurstUpToTheLimitThenWaitsForTheWindowToSlide() {
        var pacer = SlidingWindowPacer(limit: RateLimit(count: 3, window: 10))
        for t in [0.0, 0.1, 0.2] {
            #expect(pacer.earliestSend(now: t) == t)
            pacer.recordSend(at: t)
        }
        let next = pacer.earliestSend(now: 0.3)
        #expect(next > 10.0 && next < 10.2)
    }

    @Test func pacerIsSeededByThePreviousRunsRequests() {
        var pacer = SlidingWindowPacer(limit: .batch, history: (0..<10).map { Double($0) })
        #expect(pacer.earliestSend(now: 10) >= 60)
    }

    @Test func retryAfterAndExhaustedRemainingBlockThePacer() {
        var pacer = SlidingWindowPacer(limit: RateLimit(count: 100, window: 60))
        pacer.observe(retryAfter: 5, remaining: nil, reset: nil, now: 100)
        #expect(pacer.earliestSend(now: 100) == 105)
        var other = SlidingWindowPacer(limit: RateLimit(count: 100, window: 60))
        other.observe(retryAfter: nil, remaining: 0, reset: 130, now: 100)
        #expect(other.earliestSend(now: 100) >= 130, "someone else spends the key: only the server knows when it frees")
    }

    /// Our own evenly spaced requests fill the window: the server's whole-second reset would only slow them.
    @Test func aRoundedResetDoesNotSlowAWindowOurOwnRequestsFill() {
        var pacer = SlidingWindowPacer(limit: RateLimit(count: 5, window: 1))
        for t in [100.0, 100.2, 100.4, 100.6, 100.8] { pacer.recordSend(at: t) }
        pacer.observe(retryAfter: nil, remaining: 0, reset: 102, now: 100.8)
        let next = pacer.earliestSend(now: 100.8)
        #expect(next < 101.1, "the window frees at 101.0 (+ margin), not at the rounded reset: \(next)")
    }

    /// Two jobs share the key's budget and fill the window together: this job sent only its half, but the
    /// key's ledger counts the other's too, so the window is known and the rounded reset does not block.
    /// Without that count the same answer blocks (someone unknown might be spending the key).
    @Test func aWindowFilledByJobsSharingTheBudgetIsKnownToo() {
        var pacer = SlidingWindowPacer(limit: RateLimit(count: 4, window: 1))
        for t in [100.25, 100.75] { pacer.recordSend(at: t) }
        var alone = pacer
        pacer.observe(retryAfter: nil, remaining: 0, reset: 102, now: 100.8, knownInWindow: 4)
        #expect(pacer.earliestSend(now: 100.8) < 101.5)
        alone.observe(retryAfter: nil, remaining: 0, reset: 102, now: 100.8, knownInWindow: nil)
        #expect(alone.earliestSend(now: 100.8) >= 101.8)
        // One short of the limit: someone else may be spending the key, so the reset is honoured.
        var short = SlidingWindowPacer(limit: RateLimit(count: 4, window: 1))
        for t in [100.25, 100.75] { short.recordSend(at: t) }
        short.observe(retryAfter: nil, remaining: 0, reset: 102, now: 100.8, knownInWindow: 3)
        #expect(short.earliestSend(now: 100.8) >= 101.8)
    }

    @Test func backoffIsJitteredCappedAndNeverBelowRetryAfter() {
        var backoff = Backoff(base: 1, cap: 8, seed: 42)
        for attempt in 1...10 {
            let delay = backoff.delay(afterFailures: attempt)
            #expect(delay >= 0 && delay <= min(8, Double(1 << (attempt - 1))))
        }
        #expect(backoff.delay(afterFailures: 1, retryAfter: 30) == 30)
    }

    @Test func aHugeRetryAfterIsCappedAtAnHourInBothSpellings() {
        #expect(ZiettClient.parseRetryAfter("7") == 7)
        #expect(ZiettClient.parseRetryAfter("31536000") == ZiettClient.retryAfterCap)
        #expect(ZiettClient.parseRetryAfter("1e300") == ZiettClient.retryAfterCap)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(ZiettClient.parseRetryAfter("Fri, 31 Dec 2100 23:59:59 GMT", now: now) == ZiettClient.retryAfterCap)
        #expect(ZiettClient.parseRetryAfter("Thu, 14 Jan 2027 08:00:30 GMT", now: Date(timeIntervalSince1970: 1_799_913_600)) == 30)
        #expect(ZiettClient.retryAfterCap == 3600)
    }

    @Test func theKeyGoesOnlyOverHTTPSOrToLoopbackUnlessInsecureHTTPIsAllowed() {
        func problem(_ url: String, allow: Bool = false) -> String? {
            ZiettClientConfiguration(baseURL: url, apiKey: "k").transportProblem(allowInsecureHTTP: allow)
        }
        for url in ["https://api.ziett.co/c/v1", "http://127.0.0.1:8080/c/v1", "http://127.9.9.9/c/v1", "http://localhost:1/c/v1", "http://[::1]:9/c/v1"] {
            #expect(problem(url) == nil, "\(url)")
        }
        for url in ["http://api.ziett.co/c/v1", "http://127.0.0.1.example.com/c/v1", "http://10.0.0.5/c/v1", "ftp://api.ziett.co/", "api.ziett.co/c/v1"] {
            #expect(problem(url) != nil, "\(url)")
        }
        #expect(problem("http://api.ziett.co/c/v1", allow: true) == nil)
        #expect(problem("http://api.ziett.co/c/v1")?.contains("--allow-insecure-http") == true)
    }

    @Test func backoffWithTheSameSeedReplaysTheSameDelays() {
        var a = Backoff(seed: 7)
        var b = Backoff(seed: 7)
        #expect((1...5).map { a.delay(afterFailures: $0) } == (1...5).map { b.delay(afterFailures: $0) })
    }

    @Test func rateLimitsParse() {
        #expect(RateLimit(parsing: "10/min") == RateLimit(count: 10, window: 60))
        #expect(RateLimit(parsing: "2/s") == RateLimit(count: 2, window: 1))
        #expect(RateLimit(parsing: "1/h") == RateLimit(count: 1, window: 3600))
        #expect(RateLimit(parsing: "10/2s") == RateLimit(count: 10, window: 2))
        #expect(RateLimit(parsing: "100/5min") == RateLimit(count: 100, window: 300))
        #expect(RateLimit(parsing: "ten/min") == nil)
        #expect(RateLimit(parsing: "5/0s") == nil)
        #expect(RateLimit(parsing: "0/s") == nil)
    }

    @Test func idempotencyKeyIsAStableUUIDThatCommitsToJobEndpointAndBody() {
        let body = Array(#"{"a":1}"#.utf8)
        let key = IdempotencyKey.derive(jobUUID: "job-1", endpoint: .sendBatch, name: "n", body: body)
        #expect(key == IdempotencyKey.derive(jobUUID: "job-1", endpoint: .sendBatch, name: "n", body: body))
        #expect(key != IdempotencyKey.derive(jobUUID: "job-2", endpoint: .sendBatch, name: "n", body: body))
        #expect(key != IdempotencyKey.derive(jobUUID: "job-1", endpoint: .sendMessage, name: "n", body: body))
        #expect(key != IdempotencyKey.derive(jobUUID: "job-1", endpoint: .sendBatch, name: "n", body: Array(#"{"a":2}"#.utf8)))
        // A re-queued single message is a new chunk with the same body: it must not reuse the old key.
        #expect(key != IdempotencyKey.derive(jobUUID: "job-1", endpoint: .sendBatch, name: "n2", body: body))
        #expect(key.count == 36)
        #expect(Array(key)[14] == "8", "UUID version 8")
    }
}
