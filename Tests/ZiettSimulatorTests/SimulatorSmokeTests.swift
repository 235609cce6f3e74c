import Foundation
import Testing
import ZiettAPI
import ZiettClient
import ZiettSimulator

/// A first pass over the simulator through the project's own HTTP client.
@Suite("Simulator smoke")
struct SimulatorSmokeTests {
    static let sender = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"

    func batch(_ name: String, _ recipients: [String]) throws -> [UInt8] {
        Array(try WireCoding.encoder().encode(BatchCampaignRequest(name: name, remitterID: Self.sender, content: "Hi", recipients: recipients, countryAlpha2: "AO")))
    }

    @Test func acceptsABatchAndReplaysItForTheSameIdempotencyKey() async throws {
        let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
        let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: server.baseURL, apiKey: "zk_test_smoke"))
        let body = try batch("b1", ["+244923456789", "923456780"])
        let first = try await client.postBatch(body: body, idempotencyKey: "k1").get()
        let second = try await client.postBatch(body: body, idempotencyKey: "k1").get()
        #expect(first.status == 202 && second.status == 202)
        #expect(first.decode(BatchCampaignAccepted.self)?.campaignID == second.decode(BatchCampaignAccepted.self)?.campaignID)
        #expect(await server.ledger().campaigns.count == 1)
        let mismatch = try await client.postBatch(body: try batch("b2", ["+244923456789", "923456780"]), idempotencyKey: "k1").get()
        #expect(mismatch.status == 422)
        await client.shutdown()
        await server.stop()
    }

    @Test func refusesAnUnknownKeyWithTheDocumentedErrorObject() async throws {
        let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
        let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: server.baseURL, apiKey: "zk_live_not_a_test_key"))
        let response = try await client.postBatch(body: try batch("b", ["+244923456789", "+244923456780"]), idempotencyKey: "k").get()
        #expect(response.status == 401)
        #expect(response.errorBody?.code == ZiettErrorCode.invalidAPIKey)
        #expect(response.errorBody?.traceID?.isEmpty == false)
        await client.shutdown()
        await server.stop()
    }

    @Test func validatesFieldsWith422AndFields() async throws {
        let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
        let client = ZiettClient(configuration: ZiettClientConfiguration(baseURL: server.baseURL, apiKey: "zk_test_smoke"))
        let body = Array(#"{"name":"","remitter_id":"nope","content":"Hi","channel_type":"SMS","recipients":["+244923456789","12"]}"#.utf8)
        let response = try await client.postBatch(body: body, idempotencyKey: "v").get()
        #expect(response.status == 422)
        let fields = response.errorBody?.fields ?? [:]
        #expect(fields["name"] != nil && fields["remitter_id"] != nil && fields["recipients[1]"] != nil)
        await client.shutdown()
        await server.stop()
    }
}
