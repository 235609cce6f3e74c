import AsyncHTTPClient
import Foundation
import Testing
import ZiettAPI
import ZiettClient
import ZiettSimulator

/// Injected faults: 5xx, 429 bursts, latency, lost replies; seeded and per endpoint.
@Suite struct FaultTests {
    @Test func serverErrorsComeFromTheConfiguredStatusesAndStoreNothing() async throws {
        try await SimulatorHarness.with({
            $0.faults.serverErrorRate = 1
            $0.faults.serverErrorStatuses = [502, 503]
        }) { sim async throws in
            for _ in 0..<6 {
                let reply = try await sim.message("+244923000001")
                #expect([502, 503].contains(reply.status))
                #expect(reply["trace_id"] != nil)
            }
            #expect(try await sim.get("/messages").status == 200, "global POST faults leave GETs alone")
            #expect(await sim.server.ledger().messages.isEmpty)
        }
    }

    @Test func sameSeedGivesTheSameFaultSequence() async throws {
        let statuses: @Sendable () async throws -> [Int] = {
            try await SimulatorHarness.with({
                $0.seed = 42
                $0.faults.serverErrorRate = 0.5
            }) { sim async throws in
                var seen: [Int] = []
                for i in 0..<12 { seen.append(try await sim.message("+2449230000\(10 + i)").status) }
                return seen
            }
        }
        let first = try await statuses()
        #expect(first == (try await statuses()))
        #expect(Set(first).count > 1)
    }

    @Test func burstAnswers429ForItsLengthWithRetryAfter() async throws {
        try await SimulatorHarness.with({
            $0.faults.spuriousRateLimitRate = 1
            $0.faults.burstLength = 3
            $0.faults.burstRetryAfter = 2
        }) { sim async throws in
            let reply = try await sim.batch(["+244923000001", "+244923000002"])
            #expect(reply.status == 429)
            #expect(reply.header("Retry-After") == "2")
            await sim.server.reconfigure { $0.faults.spuriousRateLimitRate = 0 }
            #expect(try await sim.batch(["+244923000001", "+244923000002"]).status == 429)
            #expect(try await sim.batch(["+244923000001", "+244923000002"]).status == 429)
            #expect(try await sim.batch(["+244923000001", "+244923000002"]).status == 202, "the burst is over")
        }
    }

    @Test func latencyDelaysTheAnswer() async throws {
        try await SimulatorHarness.with({ $0.faults.latency = 0.3 }) { sim async throws in
            let clock = ContinuousClock()
            var total = Duration.zero
            for _ in 0..<4 { total += try await clock.measure { _ = try await sim.get("/messages") } }
            #expect(total > .milliseconds(150))
        }
    }

    @Test func readErrorsAreAnswered503() async throws {
        try await SimulatorHarness.with({ $0.faults.readErrorRate = 1 }) { sim async throws in
            let reply = try await sim.get("/campaigns")
            #expect(reply.status == 503)
            #expect(reply["code"] == "SERVICE_UNAVAILABLE")
            #expect(try await sim.message("+244923000001").status == 202)
        }
    }

    @Test func perEndpointFaultsHitOnlyThatEndpoint() async throws {
        try await SimulatorHarness.with({
            var broken = FaultConfiguration()
            broken.serverErrorRate = 1
            broken.serverErrorStatuses = [500]
            $0.faultsByEndpoint[.getCampaign] = broken
        }) { sim async throws in
            let id = try #require(try await sim.batch(["+244923000001", "+244923000002"])["campaign_id"])
            #expect(try await sim.get("/campaigns/\(id)").status == 500)
            #expect(try await sim.get("/campaigns").status == 200)
        }
    }

    @Test func lostReplyDropsTheConnectionAfterTheWorkIsStored() async throws {
        try await SimulatorHarness.with({ $0.faults.lostReplyRate = 1 }) { sim async throws in
            await #expect(throws: (any Error).self) {
                _ = try await sim.batch(["+244923000001", "+244923000002"], name: "lost", idempotencyKey: "lost-1")
            }
            let ledger = await sim.server.ledger()
            #expect(ledger.campaigns.map(\.name) == ["lost"])
            #expect(ledger.requests.map(\.outcome) == ["created, reply lost"])
            #expect(ledger.requests.first?.status == nil)
            await sim.server.reconfigure { $0.faults.lostReplyRate = 0 }
            let retry = try await sim.batch(["+244923000001", "+244923000002"], name: "lost", idempotencyKey: "lost-1")
            #expect(retry.header("Idempotent-Replayed") == "true")
            #expect(retry["campaign_id"] == ledger.campaigns.first?.id)
            #expect(await sim.server.ledger().campaigns.count == 1)
        }
    }

    @Test func projectClientSeesNoAnswerOnALostReply() async throws {
        try await SimulatorHarness.with({ $0.faults.lostReplyRate = 1 }) { sim async throws in
            let client = ZiettClient(configuration: .init(baseURL: sim.server.baseURL, apiKey: SimulatorHarness.key, requestTimeout: .seconds(5)))
            let body = Array(SimulatorHarness.messageBody("+244923000001").utf8)
            let result = await client.postMessage(body: body, idempotencyKey: "client-lost")
            await client.shutdown()
            guard case .failure(let error) = result else {
                Issue.record("expected no answer, got \(result)")
                return
            }
            #expect(error.kind == .connectionLost)
            #expect(await sim.server.ledger().messages.count == 1)
        }
    }
}
