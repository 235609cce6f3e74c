import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import ZiettSimulator

/// `faults.workDelay`: slow work that finishes after the client gave up, exactly once.
@Suite struct SlowWorkTests {
    /// A client that gives up after `deadline`.
    static func post(_ path: String, json: String, to server: ZiettSimulatorServer, idempotencyKey: String, deadline: TimeAmount) async throws {
        var request = HTTPClientRequest(url: server.baseURL + path)
        request.method = .POST
        request.headers.add(name: "X-API-KEY", value: SimulatorHarness.key)
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
        _ = try await HTTPClient.shared.execute(request, deadline: .now() + deadline)
    }

    @Test func workCompletesOnceAfterTheClientTimedOut() async throws {
        // The proof that the client gave up first is the empty ledger at the moment it did, not a wall-clock
        // bound: on a loaded CI machine a 0.3 s deadline once fired after 2.0 s, so a 2 s delay raced it. A 2 s
        // deadline (a shorter one once ran out before the request reached the server) against a 10 s delay
        // leaves a loaded machine 8 s of slack.
        try await SimulatorHarness.with({ $0.faults.workDelay = 10 }) { sim async throws in
            let body = SimulatorHarness.batchBody(["+244923000001", "+244923000002"], name: "slow")
            await #expect(throws: HTTPClientError.deadlineExceeded) {
                try await Self.post("/campaigns/batch", json: body, to: sim.server, idempotencyKey: "slow-1", deadline: .seconds(2))
            }
            #expect(await sim.server.idempotencyKeysInFlight() == 1, "the request reached the server and its work is held")
            #expect(await sim.server.ledger().campaigns.isEmpty, "the client gave up before the work was done")

            let done = await eventually(within: .seconds(30)) { await sim.server.ledger().campaigns.count >= 1 }
            #expect(done)
            let ledger = await sim.server.ledger()
            #expect(ledger.campaigns.map(\.name) == ["slow"])
            #expect(ledger.acceptedCountByNumber == ["+244923000001": 1, "+244923000002": 1])
            #expect(ledger.requests.map(\.outcome) == ["created"])

            let retry = try await sim.send(.POST, "/campaigns/batch", json: body, idempotencyKey: "slow-1")
            #expect(retry.header("Idempotent-Replayed") == "true", "the finished work is stored under its key")
            #expect(retry["campaign_id"] == ledger.campaigns.first?.id)
            #expect(await sim.server.ledger().campaigns.count == 1)
        }
    }

    @Test func stopFinishesPendingWorkWithoutWaitingOutTheDelay() async throws {
        var config = SimulatorConfiguration.unlimited
        config.lifecycle = .instant
        config.faults.workDelay = 60
        let server = try await ZiettSimulatorServer.start(configuration: config)
        // 2 s, not less: on a loaded CI machine a 0.3 s deadline once ran out before the request reached the
        // server, which then had no work to finish and the test failed on an empty ledger.
        await #expect(throws: HTTPClientError.deadlineExceeded) {
            try await Self.post("/messages", json: SimulatorHarness.messageBody("+244923000001"), to: server,
                                idempotencyKey: "held", deadline: .seconds(2))
        }
        // The request arrived and its work is pending: what stop() must finish.
        #expect(await server.idempotencyKeysInFlight() == 1, "the request never reached the server")
        #expect(await server.ledger().messages.isEmpty)
        let clock = ContinuousClock()
        let stopping = clock.now
        await server.stop()
        #expect(clock.now - stopping < .seconds(20), "stop() cut the 60 s delay short")
        let ledger = await server.ledger()
        #expect(ledger.acceptedCountByNumber == ["+244923000001": 1])
        #expect(ledger.requests.map(\.outcome) == ["created"])
    }
}
