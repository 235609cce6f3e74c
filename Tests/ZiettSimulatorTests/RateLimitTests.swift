import Testing
import ZiettSimulator

/// Per-key, per-endpoint limits with `X-RateLimit-*`, 429 and `Retry-After`.
@Suite struct RateLimitTests {
    @Test func admittedRequestsCarryTheHeadersAndTheExcessIs429() async throws {
        try await SimulatorHarness.with({ $0.batchLimit = .init(count: 2, window: 60) }) { sim async throws in
            let first = try await sim.batch(["+244923000001", "+244923000002"])
            #expect(first.header("X-RateLimit-Limit") == "2")
            #expect(first.header("X-RateLimit-Remaining") == "1")
            let reset = try #require(first.header("X-RateLimit-Reset").flatMap(Int.init))
            #expect(try await sim.batch(["+244923000001", "+244923000002"]).header("X-RateLimit-Remaining") == "0")
            let limited = try await sim.batch(["+244923000001", "+244923000002"])
            #expect(limited.status == 429)
            #expect(limited["code"] == "RATE_LIMIT_EXCEEDED")
            let retryAfter = try #require(limited.header("Retry-After").flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(limited.header("X-RateLimit-Reset").flatMap(Int.init) == reset)
            #expect(await sim.server.ledger().campaigns.count == 2)
            #expect(try await sim.message("+244923000001").status == 202, "other endpoints have their own budget")
            #expect(try await sim.batch(["+244923000001", "+244923000002"], key: "zk_test_other").status == 202, "per key")
            await sim.server.advanceClock(by: 61)
            #expect(try await sim.batch(["+244923000001", "+244923000002"]).status == 202)
        }
    }

    @Test func everyGetSharesOneBudgetAndErrorsKeepTheHeaders() async throws {
        try await SimulatorHarness.with({ $0.readLimit = .init(count: 3, window: 10) }) { sim async throws in
            #expect(try await sim.get("/messages").header("X-RateLimit-Remaining") == "2")
            let notFound = try await sim.get("/campaigns/0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e")
            #expect(notFound.status == 404)
            #expect(notFound.header("X-RateLimit-Remaining") == "1")
            #expect(try await sim.get("/campaigns").status == 200)
            #expect(try await sim.get("/messages").status == 429)
        }
    }

    @Test func headersCanBeLeftOut() async throws {
        try await SimulatorHarness.with({
            $0.singleLimit = .init(count: 1, window: 60)
            $0.rateLimitHeaders = false
        }) { sim async throws in
            #expect(try await sim.message("+244923000001").header("X-RateLimit-Limit") == nil)
            let limited = try await sim.message("+244923000001")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)
            #expect(limited.header("X-RateLimit-Remaining") == nil)
        }
    }

    @Test func fixedWindowsResetOnTheBoundary() async throws {
        try await SimulatorHarness.with({
            $0.singleLimit = .init(count: 1, window: 3600)
            $0.fidelity.rateLimitWindow = .fixed
        }) { sim async throws in
            let first = try await sim.message("+244923000001")
            let reset = try #require(first.header("X-RateLimit-Reset").flatMap(Int.init))
            #expect(reset % 3600 == 0)
            #expect(try await sim.message("+244923000001").status == 429)
            await sim.server.advanceClock(by: 3600)
            #expect(try await sim.message("+244923000001").status == 202)
        }
    }
}
