import NIOHTTP1
import Testing
import ZiettSimulator

/// 401 for keys, 403 for scopes, 404/405 for the rest of the surface, all in the documented error object.
@Suite struct AuthenticationTests {
    @Test func missingOrUnknownKeyIs401() async throws {
        try await SimulatorHarness.with({ $0.apiKeys = ["zk_live_good"] }) { sim async throws in
            let missing = try await sim.get("/messages", key: nil)
            #expect(missing.status == 401)
            #expect(missing["code"] == "AUTH_INVALID_API_KEY")
            #expect(missing["service"] == "core")
            #expect(missing["trace_id"] != nil && missing["timestamp"] != nil)
            #expect(try await sim.get("/messages", key: "zk_test_other").status == 401)
            #expect(try await sim.get("/messages", key: "zk_live_good").status == 200)
        }
    }

    @Test func scopedKeyIsRefused403OutsideItsScopesInEitherSpelling() async throws {
        try await SimulatorHarness.with({
            $0.apiKeyScopes["zk_test_reader"] = ["apikey:messages:list", "campaigns:read"]
            $0.apiKeyScopes["zk_test_sender"] = ["messages:send", "apikey:campaign:send"]
        }) { sim async throws in
            let refused = try await sim.message("+244923000001", key: "zk_test_reader")
            #expect(refused.status == 403)
            #expect(refused["code"] == "AUTH_INVALID_SCOPE")
            #expect(refused["message"]?.contains("apikey:messages:send") == true)
            #expect(try await sim.get("/messages", key: "zk_test_reader").status == 200)
            #expect(try await sim.get("/campaigns", key: "zk_test_reader").status == 200)
            #expect(try await sim.message("+244923000001", key: "zk_test_sender").status == 202)
            #expect(try await sim.batch(["+244923000001", "+244923000002"], key: "zk_test_sender").status == 202)
            #expect(try await sim.get("/messages", key: "zk_test_sender").status == 403)
            #expect(try await sim.get("/campaigns", key: "zk_test_sender").status == 403)
            #expect(try await sim.message("+244923000001").status == 202, "default keys have every scope")
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() async throws {
        try await SimulatorHarness.with { sim async throws in
            let unknown = try await sim.get("/contacts")
            #expect(unknown.status == 404)
            #expect(unknown["code"] == "RESOURCE_NOT_FOUND")
            let wrong = try await sim.send(.DELETE, "/messages")
            #expect(wrong.status == 405)
            #expect(wrong.header("Allow") == "GET, POST")
            #expect(wrong["trace_id"] != nil)
        }
    }
}
