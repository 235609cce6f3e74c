import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZiettSimulator

/// A running simulator and a real HTTP client pointed at it, for one test.
struct SimulatorHarness: Sendable {
    let server: ZiettSimulatorServer
    let http: HTTPClient
    static let key = "zk_test_harness"
    static let remitter = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"

    /// Starts a simulator with `configuration` (unlimited and instant unless the test says otherwise),
    /// runs `body`, and always stops both ends.
    static func with<T: Sendable>(
        _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: (SimulatorHarness) async throws -> T
    ) async throws -> T {
        var config = SimulatorConfiguration.unlimited
        config.lifecycle = .instant
        configure(&config)
        let server = try await ZiettSimulatorServer.start(configuration: config)
        var httpConfig = HTTPClient.Configuration()
        // Generous: a loaded CI machine (the multi-host test runs three processes beside) is slow, not wrong.
        httpConfig.timeout = .init(connect: .seconds(2), read: .seconds(15))
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        let harness = SimulatorHarness(server: server, http: http)
        do {
            let result = try await body(harness)
            try await http.shutdown()
            await server.stop()
            return result
        } catch {
            try? await http.shutdown()
            await server.stop()
            throw error
        }
    }

    /// Sends one request; `key` nil sends no X-API-KEY.
    func send(
        _ method: HTTPMethod, _ path: String, json: String? = nil, key: String? = SimulatorHarness.key,
        idempotencyKey: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: server.baseURL + path)
        request.method = method
        if let key { request.headers.add(name: "X-API-KEY", value: key) }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await http.execute(request, timeout: .seconds(15))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// `GET path`.
    func get(_ path: String, key: String? = SimulatorHarness.key) async throws -> Reply {
        try await send(.GET, path, key: key)
    }

    /// `POST /campaigns/batch` with a body built from the usual fields.
    func batch(
        _ recipients: [String], name: String = "batch-\(UUID().uuidString)", content: String = "Olá", country: String? = nil,
        idempotencyKey: String? = nil, key: String? = SimulatorHarness.key
    ) async throws -> Reply {
        try await send(.POST, "/campaigns/batch", json: Self.batchBody(recipients, name: name, content: content, country: country),
                       key: key, idempotencyKey: idempotencyKey)
    }

    /// `POST /messages` to one number.
    func message(_ e164: String, content: String = "Olá", idempotencyKey: String? = nil, key: String? = SimulatorHarness.key) async throws -> Reply {
        try await send(.POST, "/messages", json: Self.messageBody(e164, content: content), key: key, idempotencyKey: idempotencyKey)
    }

    static func batchBody(_ recipients: [String], name: String, content: String = "Olá", country: String? = nil) -> String {
        var object: [String: Any] = [
            "name": name, "remitter_id": remitter, "content": content, "channel_type": "SMS", "recipients": recipients,
        ]
        if let country { object["country_alpha2"] = country }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func messageBody(_ e164: String, content: String = "Olá") -> String {
        let object: [String: Any] = ["remitter_id": remitter, "content": content, "channel_type": "SMS", "target_e164": e164]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

/// One answer.
struct Reply: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    /// `entries` of a page.
    var entries: [[String: Any]] { json["entries"] as? [[String: Any]] ?? [] }
    /// A string member.
    subscript(_ key: String) -> String? { json[key] as? String }
    /// An integer member.
    func int(_ key: String) -> Int? { json[key] as? Int }
    /// The error object's `fields`.
    var fields: [String: String] { json["fields"] as? [String: String] ?? [:] }
    /// A header.
    func header(_ name: String) -> String? { headers.first(name: name) }
    /// The body as text.
    var text: String { String(decoding: body, as: UTF8.self) }
}
