import Testing
import ZiettSimulator

/// The balance (in recipients or money) and 402 `BILLING_INSUFFICIENT_FUNDS`.
@Suite struct BillingTests {
    @Test func shortBalanceIs402UntilFundsAreRestored() async throws {
        try await SimulatorHarness.with({ $0.balance = 3 }) { sim async throws in
            #expect(try await sim.batch(["+244923000001", "+244923000002"]).status == 202)
            let short = try await sim.batch(["+244923000003", "+244923000004"])
            #expect(short.status == 402)
            #expect(short["code"] == "BILLING_INSUFFICIENT_FUNDS")
            #expect(short["service"] == "billing")
            #expect(await sim.server.balance() == 1)
            #expect(await sim.server.ledger().campaigns.count == 1)
            await sim.server.reconfigure { $0.balance = 100 }
            #expect(try await sim.batch(["+244923000003", "+244923000004"]).status == 202)
            #expect(await sim.server.balance() == 98)
        }
    }

    @Test func moneyBalanceChargesThePricePerMessageAndRefundsFailures() async throws {
        try await SimulatorHarness.with({
            $0.moneyBalance = 40
            $0.pricePerMessage = 15
            $0.outcomes.byNumber["+244923000002"] = .failed
        }) { sim async throws in
            #expect(try await sim.message("+244923000001").status == 202)
            #expect(try await sim.message("+244923000002").status == 202)
            #expect(await sim.server.moneyBalance() == 25, "the failed message is refunded")
            let failed = try #require(try await sim.get("/messages?status=FAILED").entries.first)
            #expect(failed["target_e164"] as? String == "+244923000002")
            #expect(try await sim.batch(["+244923000003", "+244923000004"]).status == 402)
        }
    }

    @Test func backgroundFundsCheckFailsTheCampaignInstead() async throws {
        try await SimulatorHarness.with({
            $0.balance = 1
            $0.fidelity.batchFundsCheck = .background
        }) { sim async throws in
            let reply = try await sim.batch(["+244923000001", "+244923000002"])
            #expect(reply.status == 202)
            let id = try #require(reply["campaign_id"])
            let campaign = try await sim.get("/campaigns/\(id)")
            #expect(campaign["status"] == "FAILED")
            #expect(campaign["error_code"] == "BILLING_INSUFFICIENT_FUNDS")
            #expect(try await sim.get("/campaigns/\(id)/messages").int("total") == 0)
            #expect(await sim.server.balance() == 1)
        }
    }
}
