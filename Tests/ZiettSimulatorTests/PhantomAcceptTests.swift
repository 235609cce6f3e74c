import Testing
import ZiettSimulator

/// `faults.phantomAcceptRate`: a 2xx that did nothing, as a misconfigured proxy answers.
@Suite struct PhantomAcceptTests {
    @Test func phantomAnswerIs200HTMLAndNothingIsCreatedOrCharged() async throws {
        try await SimulatorHarness.with({
            $0.balance = 10
            $0.faults.phantomAcceptRate = 1
        }) { sim async throws in
            let batch = try await sim.batch(["+244923000001", "+244923000002"], name: "phantom", idempotencyKey: "p-1")
            #expect(batch.status == 200)
            #expect(batch.header("Content-Type") == "text/html")
            #expect(batch.text.hasPrefix("<html>") && batch.text.contains("</html>"))
            #expect(batch.json.isEmpty, "no JSON, no campaign_id")
            let single = try await sim.message("+244923000003")
            #expect(single.status == 200)
            #expect(single.header("Content-Type") == "text/html")

            let ledger = await sim.server.ledger()
            #expect(ledger.campaigns.isEmpty)
            #expect(ledger.messages.isEmpty)
            #expect(ledger.requests.map(\.outcome) == ["phantom", "phantom"])
            #expect(await sim.server.balance() == 10, "nothing charged")
            #expect(try await sim.get("/campaigns?q=phantom").int("total") == 0)
            #expect(try await sim.get("/messages").int("total") == 0, "GETs are answered as usual")
        }
    }

    @Test func phantomAnswerDoesNotTakeTheIdempotencyKey() async throws {
        try await SimulatorHarness.with({ $0.faults.phantomAcceptRate = 1 }) { sim async throws in
            #expect(try await sim.message("+244923000001", idempotencyKey: "same").status == 200)
            await sim.server.reconfigure { $0.faults.phantomAcceptRate = 0 }
            let real = try await sim.message("+244923000001", idempotencyKey: "same")
            #expect(real.status == 202)
            #expect(real.header("Idempotent-Replayed") == nil, "the key never reached the API")
            #expect(await sim.server.ledger().messages.count == 1)
        }
    }

    @Test func rateZeroAcceptsNormally() async throws {
        #expect(FaultConfiguration().phantomAcceptRate == 0)
        try await SimulatorHarness.with({ $0.faults.phantomAcceptRate = 0 }) { sim async throws in
            let reply = try await sim.batch(["+244923000001", "+244923000002"])
            #expect(reply.status == 202)
            #expect(reply.header("Content-Type") == "application/json")
            #expect(reply["campaign_id"] != nil)
            #expect(await sim.server.ledger().campaigns.count == 1)
        }
    }
}
