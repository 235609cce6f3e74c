import Foundation
import Testing
import ZiettAPI
import ZiettSimulator

/// The `{total, page, size, pages, entries}` envelope, its defaults and its limits.
@Suite struct PaginationTests {
    @Test func docsLoopVisitsEveryMessageOnce() async throws {
        try await SimulatorHarness.with { sim async throws in
            let numbers = (0..<65).map { "+2449230000\(String(format: "%02d", $0))" }
            _ = try await sim.batch(numbers)
            let first = try await sim.get("/messages")
            #expect(first.int("size") == 30)
            #expect(first.int("pages") == 3)
            #expect(first.int("total") == 65)
            var seen: [String] = []
            var page = 1
            while true {
                let reply = try await sim.get("/messages?order=asc&size=30&page=\(page)")
                let decoded = try #require(try? WireCoding.decoder().decode(Page<Message>.self, from: .init(reply.body)))
                seen += decoded.entries.compactMap(\.e164)
                if decoded.page >= decoded.pages { break }
                page += 1
            }
            #expect(seen == numbers)
        }
    }

    @Test func pageLimitsAreValidated() async throws {
        try await SimulatorHarness.with { sim async throws in
            #expect(try await sim.get("/messages?size=201").fields.keys.contains("size"))
            #expect(try await sim.get("/messages?size=0").status == 422)
            #expect(try await sim.get("/campaigns?page=0").fields.keys.contains("page"))
            #expect(try await sim.get("/messages?size=200").status == 200)
            let empty = try await sim.get("/campaigns?page=5")
            #expect(empty.int("total") == 0 && empty.int("pages") == 0 && empty.entries.isEmpty)
        }
    }

    @Test func clientTypesDecodeTheCampaignList() async throws {
        try await SimulatorHarness.with { sim async throws in
            _ = try await sim.batch(["+244923000001", "+244923000002"], name: "decode-me")
            let reply = try await sim.get("/campaigns?q=decode-me")
            let page = try WireCoding.decoder().decode(Page<Campaign>.self, from: .init(reply.body))
            #expect(page.entries.map(\.name) == ["decode-me"])
        }
    }
}
