import Foundation
import Testing
import ZiettSimulator

/// `clockOffset`: the API's clock is not the client's; every reported time and every date filter uses the API's.
@Suite struct ClockSkewTests {
    /// `2026-01-01T00:00:00…` read to the second, whatever the fraction and offset style.
    static func seconds(_ timestamp: String) throws -> Double {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        #expect(timestamp.hasSuffix("+00:00") || timestamp.hasSuffix("Z"))
        return try #require(formatter.date(from: String(timestamp.prefix(19)))).timeIntervalSince1970
    }

    /// A filter value: the client's clock `ago` seconds back, as `2026-01-01T00:00:00Z`.
    static func clientTime(ago: Double) -> String {
        ISO8601DateFormatter().string(from: Date().addingTimeInterval(-ago))
    }

    /// Whether `time` (read to the second) is the client's clock during `sent`, shifted by `offset`: the
    /// request is bracketed by the client's clock rather than given a fixed slack (a loaded CI machine once
    /// took 5.5 s to answer).
    static func isDuring(_ sent: ClosedRange<Double>, shiftedBy offset: Double, _ time: Double) -> Bool {
        time >= (sent.lowerBound + offset).rounded(.down) - 1 && time <= sent.upperBound + offset + 1
    }

    @Test func messageCreatedNowIsDatedByTheAPIClockAndFilteredByIt() async throws {
        try await SimulatorHarness.with({ $0.clockOffset = -300 }) { sim async throws in
            let before = Date().timeIntervalSince1970
            let id = try #require(try await sim.message("+244923000001")["message_id"])
            let sent = before...Date().timeIntervalSince1970
            let created = try Self.seconds(try #require(try await sim.get("/messages/\(id)")["created_at"]))
            #expect(Self.isDuring(sent, shiftedBy: -300, created), "created_at is 300 s behind the client's clock: \(created) against \(sent)")
            let listed = try #require(try await sim.get("/messages").entries.first?["created_at"] as? String)
            #expect(Self.isDuring(sent, shiftedBy: -300, try Self.seconds(listed)))

            #expect(try await sim.get("/messages?created_at__ge=\(Self.clientTime(ago: 60))").int("total") == 0)
            #expect(try await sim.get("/messages?created_at__ge=\(Self.clientTime(ago: 600))").int("total") == 1)
            #expect(try await sim.get("/messages?created_at__le=\(Self.clientTime(ago: 200))").int("total") == 1)
            #expect(try await sim.get("/messages?created_at__le=\(Self.clientTime(ago: 400))").int("total") == 0)
        }
    }

    @Test func campaignAndItsMessagesAreDatedByTheAPIClockAndFilteredByIt() async throws {
        try await SimulatorHarness.with({ $0.clockOffset = 300 }) { sim async throws in
            let before = Date().timeIntervalSince1970
            let id = try #require(try await sim.batch(["+244923000001", "+244923000002"])["campaign_id"])
            let sent = before...Date().timeIntervalSince1970
            let campaign = try await sim.get("/campaigns/\(id)")
            let created = try Self.seconds(try #require(campaign["created_at"]))
            #expect(Self.isDuring(sent, shiftedBy: 300, created), "created_at is 300 s ahead of the client's clock: \(created) against \(sent)")
            let messages = try await sim.get("/campaigns/\(id)/messages").entries
            #expect(messages.count == 2)
            for message in messages {
                #expect(Self.isDuring(sent, shiftedBy: 300, try Self.seconds(try #require(message["created_at"] as? String))))
            }
            #expect(try await sim.get("/campaigns?created_at__ge=\(Self.clientTime(ago: -60))").int("total") == 1, "a client minute ahead is still before it")
            #expect(try await sim.get("/campaigns?created_at__ge=\(Self.clientTime(ago: -600))").int("total") == 0)
            #expect(try await sim.get("/campaigns/\(id)/messages?created_at__le=\(Self.clientTime(ago: 0))").int("total") == 0)
            #expect(try await sim.get("/campaigns/\(id)/messages?created_at__le=\(Self.clientTime(ago: -600))").int("total") == 2)
        }
    }
}
