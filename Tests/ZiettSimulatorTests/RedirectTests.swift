import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing
import ZiettSimulator

/// `fidelity.redirectTo`: every request is answered 307 to another origin, and nothing is done.
@Suite struct RedirectTests {
    /// Runs `body` with a simulator redirecting to a second one that accepts only the harness key.
    static func withRedirect(_ body: (_ redirecting: SimulatorHarness, _ other: SimulatorHarness) async throws -> Void) async throws {
        try await SimulatorHarness.with({ $0.apiKeys = [SimulatorHarness.key] }) { other async throws in
            try await SimulatorHarness.with({ $0.fidelity.redirectTo = "http://127.0.0.1:\(other.server.port)" }) { redirecting async throws in
                try await body(redirecting, other)
            }
        }
    }

    /// Sends one request with `client`.
    static func send(
        _ client: HTTPClient, _ method: HTTPMethod, _ url: String, json: String? = nil, key: String? = SimulatorHarness.key
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let key { request.headers.add(name: "X-API-KEY", value: key) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await client.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    /// Runs `body` with a client whose redirect handling is `redirects` (nil: AsyncHTTPClient's default).
    static func withClient(_ redirects: HTTPClient.Configuration.RedirectConfiguration?, _ body: (HTTPClient) async throws -> Void) async throws {
        var configuration = HTTPClient.Configuration()
        if let redirects { configuration.redirectConfiguration = redirects }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await body(client)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    @Test func clientThatDisallowsRedirectsGets307AndTheOtherOriginNothing() async throws {
        try await Self.withRedirect { redirecting, other in
            try await Self.withClient(.disallow) { client in
                let batch = SimulatorHarness.batchBody(["+244923000001", "+244923000002"], name: "moved")
                let post = try await Self.send(client, .POST, redirecting.server.baseURL + "/campaigns/batch", json: batch)
                #expect(post.status == 307)
                #expect(post.header("Location") == other.server.baseURL + "/campaigns/batch")
                let get = try await Self.send(client, .GET, redirecting.server.baseURL + "/messages?size=5&order=asc")
                #expect(get.status == 307)
                #expect(get.header("Location") == other.server.baseURL + "/messages?size=5&order=asc")
                let keyless = try await Self.send(client, .GET, redirecting.server.baseURL + "/campaigns", key: nil)
                #expect(keyless.status == 307, "redirected before any key check")
            }
            let here = await redirecting.server.ledger()
            #expect(here.campaigns.isEmpty && here.requests.isEmpty, "nothing done where the redirect came from")
            #expect(here.responses["POST /campaigns/batch 307"] == 1)
            let there = await other.server.ledger()
            #expect(there.campaigns.isEmpty)
            #expect(there.requests.isEmpty)
            #expect(there.responses.isEmpty, "the other origin received nothing")
        }
    }

    @Test func clientThatFollowsRedirectsHandsTheAPIKeyToTheOtherOrigin() async throws {
        try await Self.withRedirect { redirecting, other in
            try await Self.withClient(nil) { client in
                let batch = SimulatorHarness.batchBody(["+244923000001", "+244923000002"], name: "leaked")
                let keyless = try await Self.send(client, .POST, redirecting.server.baseURL + "/campaigns/batch", json: batch, key: nil)
                #expect(keyless.status == 401, "the other origin refuses a request without the key")
                let followed = try await Self.send(client, .POST, redirecting.server.baseURL + "/campaigns/batch", json: batch)
                #expect(followed.status == 202, "the other origin accepted the harness key: X-API-KEY was forwarded")
                #expect(followed["campaign_id"] != nil)
            }
            let there = await other.server.ledger()
            #expect(there.campaigns.map(\.name) == ["leaked"])
            #expect(there.responses["POST /campaigns/batch 401"] == 1)
            #expect(there.responses["POST /campaigns/batch 202"] == 1)
            #expect(await redirecting.server.ledger().campaigns.isEmpty)
        }
    }
}
