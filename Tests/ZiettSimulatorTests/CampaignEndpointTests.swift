import Foundation
import NIOHTTP1
import Testing
import ZiettSimulator

/// `POST /campaigns/batch`, `GET /campaigns`, `GET /campaigns/{id}`, `GET /campaigns/{id}/messages`.
@Suite struct CampaignEndpointTests {
    @Test func batchBecomesCampaignWhoseRecipientsBecomeMessages() async throws {
        try await SimulatorHarness.with { sim async throws in
            let reply = try await sim.batch(["+244923000001", "923 000 002"], name: "job-1-chunk-0", country: "AO")
            #expect(reply.status == 202)
            #expect(reply["message"]?.contains("2 messages") == true)
            let id = try #require(reply["campaign_id"])
            let campaign = try await sim.get("/campaigns/\(id)")
            #expect(campaign["name"] == "job-1-chunk-0")
            #expect(campaign.int("total_estimated_recipients") == 2)
            #expect(campaign["status"] == "COMPLETED")
            let messages = try await sim.get("/campaigns/\(id)/messages?order=asc")
            #expect(messages.entries.map { $0["e164_format"] as? String } == ["+244923000001", "+244923000002"])
            #expect(await sim.server.ledger().acceptedCountByNumber == ["+244923000001": 1, "+244923000002": 1])
        }
    }

    @Test func campaignMovesProcessingSendingCompletedAsTheClockAdvances() async throws {
        try await SimulatorHarness.with({
            $0.lifecycle = LifecycleTiming()
            $0.frozenClock = 1_800_000_000
        }) { sim async throws in
            let id = try #require(try await sim.batch(["+244923000001", "+244923000002"])["campaign_id"])
            #expect(try await sim.get("/campaigns/\(id)")["status"] == "PROCESSING")
            #expect(try await sim.get("/campaigns/\(id)/messages").int("total") == 0, "messages exist once processing ends")
            await sim.server.advanceClock(by: 1.1)
            #expect(try await sim.get("/campaigns/\(id)")["status"] == "SENDING")
            let pending = try await sim.get("/messages?campaign_id=\(id)")
            #expect(pending.entries.map { $0["status"] as? String } == ["PENDING", "PENDING"])
            await sim.server.advanceClock(by: 1)
            let done = try await sim.get("/campaigns/\(id)")
            #expect(done["status"] == "COMPLETED")
            #expect(done["completed_at"] != nil)
            #expect(try await sim.get("/messages?status=SENT").int("total") == 2)
            await sim.server.advanceClock(by: 2)
            #expect(try await sim.get("/messages?status=DELIVERED").int("total") == 2)
        }
    }

    @Test func oldLifecycleGoesPendingToCompleted() async throws {
        try await SimulatorHarness.with({
            $0.lifecycle = LifecycleTiming()
            $0.frozenClock = 1_800_000_000
            $0.fidelity.campaignLifecycle = .pendingCompleted
            $0.fidelity.messagesAppearAfterProcessing = false
        }) { sim async throws in
            let id = try #require(try await sim.batch(["+244923000001", "+244923000002"])["campaign_id"])
            #expect(try await sim.get("/campaigns/\(id)")["status"] == "PENDING")
            #expect(try await sim.get("/campaigns/\(id)/messages").int("total") == 2)
            await sim.server.advanceClock(by: 1.1)
            #expect(try await sim.get("/campaigns/\(id)")["status"] == "COMPLETED")
        }
    }

    @Test func nullAcceptedBodyBySwitch() async throws {
        try await SimulatorHarness.with({ $0.batchAcceptedBodyIsNull = true }) { sim async throws in
            let reply = try await sim.batch(["+244923000001", "+244923000002"], name: "n")
            #expect(reply.status == 202)
            #expect(reply.text == "null")
            #expect(try await sim.get("/campaigns?q=n").int("total") == 1)
        }
    }

    @Test func unparseableRecipientBecomesFailedRefundedMessage() async throws {
        try await SimulatorHarness.with({ $0.balance = 10 }) { sim async throws in
            let id = try #require(try await sim.batch(["+244923000001", "923000002"])["campaign_id"])
            #expect(await sim.server.balance() == 9, "the local number without country_alpha2 is refunded")
            let failed = try await sim.get("/campaigns/\(id)/messages?status=FAILED")
            let entry = try #require(failed.entries.first)
            #expect(entry["error_code"] as? String == "INVALID_PHONE_NUMBER")
            #expect(entry["is_refunded"] as? Bool == true)
            #expect(entry["cost"] as? String == "15.000000")
        }
    }

    @Test func unparseableRecipientFailsTheBatchBySwitch() async throws {
        try await SimulatorHarness.with({ $0.fidelity.invalidRecipient = .rejectBatch }) { sim async throws in
            let reply = try await sim.batch(["+244923000001", "923000002"])
            #expect(reply.status == 422)
            #expect(reply.fields.keys.contains("recipients[1]"))
            #expect(await sim.server.ledger().campaigns.isEmpty)
        }
    }

    @Test func batchFieldRulesFollowTheDocs() async throws {
        try await SimulatorHarness.with { sim async throws in
            #expect(try await sim.batch(["+244923000001"]).fields.keys.contains("recipients"), "2 to 1000")
            #expect(try await sim.batch(Array(repeating: "+244923000001", count: 1001)).status == 422)
            #expect(try await sim.batch(["+244923000001", "abc"]).fields.keys.contains("recipients[1]"))
            #expect(try await sim.batch(["+244923000001", "+244923000002"], country: "ao").fields.keys.contains("country_alpha2"))
            #expect(try await sim.batch(["+244923000001", "+244923000002"], name: "").fields.keys.contains("name"))
            #expect(try await sim.batch(["+244923000001", "+244923000002"], content: String(repeating: "x", count: 10_001)).status == 422)
            let v4 = #"{"remitter_id":"\#(UUID().uuidString)","content":"x","channel_type":"SMS","recipients":["+244923000001","+244923000002"]}"#
            #expect(try await sim.send(.POST, "/campaigns/batch", json: v4).fields.keys.contains("remitter_id"))
            let unnamed = #"{"remitter_id":"\#(SimulatorHarness.remitter)","content":"x","channel_type":"SMS","recipients":["+244923000001","+244923000002"],"country_alpha2":null}"#
            #expect(try await sim.send(.POST, "/campaigns/batch", json: unnamed).status == 202, "name and country_alpha2 are optional")
        }
    }

    @Test func singleRecipientBatchIsAcceptedWhenTheMinimumIsOne() async throws {
        try await SimulatorHarness.with({ $0.minimumBatchRecipients = 1 }) { sim async throws in
            #expect(try await sim.batch(["+244923000001"]).status == 202)
        }
    }

    @Test func duplicateRecipientsAreKeptOrRemovedBySwitch() async throws {
        try await SimulatorHarness.with { sim async throws in
            _ = try await sim.batch(["+244923000001", "+244 923 000 001"])
            #expect(await sim.server.ledger().acceptedCountByNumber["+244923000001"] == 2)
            await sim.server.reconfigure { $0.fidelity.removeDuplicateRecipients = true }
            _ = try await sim.batch(["+244923000002", "00244923000002"])
            #expect(await sim.server.ledger().acceptedCountByNumber["+244923000002"] == 1)
        }
    }

    @Test func seededOutcomesFailTheConfiguredShare() async throws {
        let numbers = (0..<200).map { "+2449230\(String(format: "%05d", $0))" }
        let failedIDs: @Sendable (UInt64) async throws -> [String] = { seed in
            try await SimulatorHarness.with({
                $0.seed = seed
                $0.outcomes.failedRate = 0.1
                $0.outcomes.undeliveredRate = 0.1
            }) { sim async throws in
                _ = try await sim.batch(numbers)
                let failed = try await sim.get("/messages?status=FAILED&size=200&order=asc").entries
                let undelivered = try await sim.get("/messages?status=UNDELIVERED&size=200").int("total") ?? 0
                #expect((5...40).contains(failed.count))
                #expect((5...40).contains(undelivered))
                #expect(failed.allSatisfy { $0["error_code"] as? String == "PROVIDER_REJECTED" })
                return failed.compactMap { $0["target_e164"] as? String }
            }
        }
        #expect(try await failedIDs(7) == (try await failedIDs(7)), "same seed, same failures")
    }

    @Test func campaignListFiltersByNameAndStatus() async throws {
        try await SimulatorHarness.with({
            $0.lifecycle = LifecycleTiming()
            $0.frozenClock = 1_800_000_000
        }) { sim async throws in
            _ = try await sim.batch(["+244923000001", "+244923000002"], name: "Job-A chunk 0")
            _ = try await sim.batch(["+244923000001", "+244923000002"], name: "job-b chunk 0")
            #expect(try await sim.get("/campaigns?q=job-a").int("total") == 1)
            #expect(try await sim.get("/campaigns?q=chunk&order=asc").entries.first?["name"] as? String == "Job-A chunk 0")
            #expect(try await sim.get("/campaigns?status=PROCESSING").int("total") == 2)
            #expect(try await sim.get("/campaigns?status=COMPLETED").int("total") == 0)
            #expect(try await sim.get("/campaigns?status=DONE").status == 422)
        }
    }

    @Test func unknownCampaignIs404() async throws {
        try await SimulatorHarness.with { sim async throws in
            let id = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"
            #expect(try await sim.get("/campaigns/\(id)").status == 404)
            let messages = try await sim.get("/campaigns/\(id)/messages")
            #expect(messages.status == 404)
            #expect(messages["code"] == "RESOURCE_NOT_FOUND")
        }
    }
}
