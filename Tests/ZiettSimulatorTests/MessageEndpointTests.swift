import Foundation
import NIOHTTP1
import Testing
import ZiettSimulator

/// `POST /messages`, `GET /messages/{id}` and `GET /messages`, through a real HTTP client.
@Suite struct MessageEndpointTests {
    @Test func acceptedMessageIsRetrievableWithTheFullDocumentedShape() async throws {
        try await SimulatorHarness.with { sim async throws in
            let sent = try await sim.message("+244923000001", content: "Código 1234")
            #expect(sent.status == 202)
            let id = try #require(sent["message_id"])
            let got = try await sim.get("/messages/\(id)")
            #expect(got.status == 200)
            #expect(got["e164_format"] == "+244923000001")
            #expect(got["content"] == "Código 1234")
            #expect(got["status"] == "DELIVERED")
            #expect(got["cost"] == "15.000000")
            #expect(got.json["is_refunded"] as? Bool == false)
            #expect(got.json["campaign_id"] is NSNull)
            #expect(got["channel_destination"] == "UNITEL")
            #expect((got.json["sms_remitter"] as? [String: Any])?["id"] as? String == SimulatorHarness.remitter)
            #expect(got["created_at"]?.hasSuffix("+00:00") == true)
        }
    }

    @Test func invalidFieldsAreRefusedWith422AndEveryField() async throws {
        try await SimulatorHarness.with { sim async throws in
            let body = #"{"remitter_id":"nope","channel_type":"WHATSAPP","target_e164":"923000001","content":""}"#
            let reply = try await sim.send(.POST, "/messages", json: body)
            #expect(reply.status == 422)
            #expect(reply["code"] == "VALIDATION_ERROR")
            #expect(Set(reply.fields.keys) == ["remitter_id", "channel_type", "target_e164", "content"])
            #expect(reply["trace_id"]?.count == 32)
            let long = try await sim.message("+244923000001", content: String(repeating: "a", count: 1601))
            #expect(long.fields.keys.contains("content"))
            let malformed = try await sim.send(.POST, "/messages", json: "{not json")
            #expect(malformed.status == 422)
            #expect(await sim.server.ledger().messages.isEmpty)
        }
    }

    @Test func malformedJSONCanBeAnswered400BySwitch() async throws {
        try await SimulatorHarness.with({ $0.fidelity.malformedBodyStatus = 400 }) { sim async throws in
            #expect(try await sim.send(.POST, "/messages", json: "{not json").status == 400)
        }
    }

    @Test func unknownMessageIs404WithTheConfiguredCode() async throws {
        try await SimulatorHarness.with { sim async throws in
            let reply = try await sim.get("/messages/0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e")
            #expect(reply.status == 404)
            #expect(reply["code"] == "RESOURCE_NOT_FOUND")
            #expect(try await sim.get("/messages/not-a-uuid").status == 422)
            #expect(try await sim.get("/messages/\(UUID().uuidString)").status == 422, "a v4 UUID is not v7")
            await sim.server.reconfigure { $0.fidelity.notFoundCode = "NOT_FOUND" }
            #expect(try await sim.get("/messages/0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e")["code"] == "NOT_FOUND")
        }
    }

    @Test func listFiltersByNumberStatusCampaignAndTime() async throws {
        try await SimulatorHarness.with({ $0.outcomes.byNumber["+244923000003"] = .failed }) { sim async throws in
            _ = try await sim.message("+244923000001")
            _ = try await sim.message("+244923000002")
            _ = try await sim.message("+244923000003")
            let campaignID = try #require(try await sim.batch(["+244931000001", "+244931000002"])["campaign_id"])
            #expect(try await sim.get("/messages").int("total") == 5)
            let byNumber = try await sim.get("/messages?q=%2B24492300000")
            #expect(byNumber.int("total") == 3)
            #expect(byNumber.entries.first?["target_e164"] as? String == "+244923000003", "newest first by default")
            let failed = try await sim.get("/messages?status=FAILED&status=UNDELIVERED")
            #expect(failed.entries.map { $0["target_e164"] as? String } == ["+244923000003"])
            #expect(failed.entries.first?["error_code"] as? String == "PROVIDER_REJECTED")
            #expect(try await sim.get("/messages?campaign_id=\(campaignID)").int("total") == 2)
            #expect(try await sim.get("/messages?created_at__ge=2999-01-01T00:00:00Z").int("total") == 0)
            #expect(try await sim.get("/messages?created_at__le=2000-01-01T00:00:00Z").int("total") == 0)
            #expect(try await sim.get("/messages?created_at__ge=2000-01-01T00:00:00.5%2B01:00").int("total") == 5)
            let asc = try await sim.get("/messages?order=asc&order_by=updated_at")
            #expect(asc.entries.first?["target_e164"] as? String == "+244923000001")
            let bad = try await sim.get("/messages?status=sent&order=up&created_at__ge=yesterday&campaign_id=x")
            #expect(Set(bad.fields.keys) == ["status", "order", "created_at__ge", "campaign_id"])
        }
    }

    @Test func lowerCaseStatusFilterIsAcceptedBySwitch() async throws {
        try await SimulatorHarness.with({ $0.fidelity.caseInsensitiveStatusFilter = true }) { sim async throws in
            _ = try await sim.message("+244923000001")
            #expect(try await sim.get("/messages?status=delivered").int("total") == 1)
        }
    }

    @Test func fullListEntriesBySwitch() async throws {
        try await SimulatorHarness.with({ $0.fidelity.listEntriesAreFullMessages = true }) { sim async throws in
            _ = try await sim.message("+244923000001")
            let entry = try #require(try await sim.get("/messages").entries.first)
            #expect(entry["e164_format"] as? String == "+244923000001")
            #expect(entry["cost"] as? String == "15.000000")
        }
    }
}
