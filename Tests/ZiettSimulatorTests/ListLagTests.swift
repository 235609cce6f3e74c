import Testing
import ZiettSimulator

/// `fidelity.listLag`: an eventually consistent read side; new records show in reads only after the lag.
@Suite struct ListLagTests {
    @Test func newCampaignIsAbsentFromEveryReadUntilTheLagHasPassed() async throws {
        try await SimulatorHarness.with({
            $0.fidelity.listLag = 5
            $0.frozenClock = 1_800_000_000
        }) { sim async throws in
            let accepted = try await sim.batch(["+244923000001", "+244923000002"], name: "lagged")
            #expect(accepted.status == 202)
            let id = try #require(accepted["campaign_id"])
            #expect(try await sim.get("/campaigns").int("total") == 0)
            #expect(try await sim.get("/campaigns?q=lagged").int("total") == 0)
            #expect(try await sim.get("/campaigns/\(id)").status == 404)
            #expect(try await sim.get("/campaigns/\(id)/messages").status == 404)
            #expect(try await sim.get("/messages?campaign_id=\(id)").int("total") == 0)
            #expect(await sim.server.ledger().campaigns.map(\.id) == [id], "stored at once, only reads lag")

            await sim.server.advanceClock(by: 4)
            #expect(try await sim.get("/campaigns").int("total") == 0, "still inside the lag")

            await sim.server.advanceClock(by: 1.1)
            #expect(try await sim.get("/campaigns").int("total") == 1)
            #expect(try await sim.get("/campaigns/\(id)").status == 200)
            #expect(try await sim.get("/campaigns/\(id)/messages").int("total") == 2)
            #expect(try await sim.get("/messages?campaign_id=\(id)").int("total") == 2)
        }
    }

    @Test func newMessageIsAbsentFromListAndGetUntilTheLagHasPassed() async throws {
        try await SimulatorHarness.with({
            $0.fidelity.listLag = 3
            $0.frozenClock = 1_800_000_000
        }) { sim async throws in
            let accepted = try await sim.message("+244923000001")
            #expect(accepted.status == 202)
            let id = try #require(accepted["message_id"])
            #expect(try await sim.get("/messages").int("total") == 0)
            #expect(try await sim.get("/messages/\(id)").status == 404)

            await sim.server.advanceClock(by: 3.1)
            #expect(try await sim.get("/messages").entries.map { $0["id"] as? String } == [id])
            #expect(try await sim.get("/messages/\(id)").status == 200)
        }
    }

    @Test func campaignMessagesLagBehindTheEndOfProcessing() async throws {
        try await SimulatorHarness.with({
            $0.lifecycle = LifecycleTiming()
            $0.fidelity.listLag = 2
            $0.frozenClock = 1_800_000_000
        }) { sim async throws in
            let id = try #require(try await sim.batch(["+244923000001", "+244923000002"])["campaign_id"])
            await sim.server.advanceClock(by: 2.1)
            #expect(try await sim.get("/campaigns/\(id)").status == 200, "the campaign is past its lag")
            #expect(try await sim.get("/campaigns/\(id)/messages").int("total") == 0, "its messages were created 1 s later")
            await sim.server.advanceClock(by: 1)
            #expect(try await sim.get("/campaigns/\(id)/messages").int("total") == 2)
        }
    }

    @Test func noLagByDefault() async throws {
        #expect(FidelityOptions().listLag == 0)
        try await SimulatorHarness.with { sim async throws in
            let id = try #require(try await sim.message("+244923000001")["message_id"])
            #expect(try await sim.get("/messages/\(id)").status == 200)
        }
    }
}
