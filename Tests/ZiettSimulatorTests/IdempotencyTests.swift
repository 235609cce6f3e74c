import Foundation
import NIOHTTP1
import Testing
import ZiettSimulator

/// Idempotency-Key per draft-ietf-httpapi-idempotency-key-header and the Ziett docs.
@Suite struct IdempotencyTests {
    @Test func repeatWithinTheWindowReplaysTheStoredAnswer() async throws {
        try await SimulatorHarness.with { sim async throws in
            let body = SimulatorHarness.batchBody(["+244923000001", "+244923000002"], name: "chunk-0")
            let first = try await sim.send(.POST, "/campaigns/batch", json: body, idempotencyKey: "job-1/chunk-0")
            let second = try await sim.send(.POST, "/campaigns/batch", json: body, idempotencyKey: "job-1/chunk-0")
            #expect(first.status == 202 && second.status == 202)
            #expect(first.body == second.body)
            #expect(first.header("Idempotent-Replayed") == nil)
            #expect(second.header("Idempotent-Replayed") == "true")
            let ledger = await sim.server.ledger()
            #expect(ledger.campaigns.count == 1)
            #expect(ledger.requests.map(\.outcome) == ["created", "replayed"])
        }
    }

    @Test func sameKeyWithAnotherBodyIs422() async throws {
        try await SimulatorHarness.with { sim async throws in
            #expect(try await sim.message("+244923000001", idempotencyKey: "k").status == 202)
            let reused = try await sim.message("+244923000002", idempotencyKey: "k")
            #expect(reused.status == 422)
            #expect(reused["code"] == "IDEMPOTENCY_KEY_REUSED")
            #expect(await sim.server.ledger().messages.count == 1)
        }
    }

    @Test func repeatWhileTheFirstIsInFlightIs409() async throws {
        try await SimulatorHarness.with({ $0.faults.workDelay = 3 }) { sim async throws in
            async let first = sim.message("+244923000001", idempotencyKey: "slow")
            // Ready when the simulator holds the first request's key (not after a fixed sleep).
            #expect(await eventually { await sim.server.idempotencyKeysInFlight() == 1 })
            let second = try await sim.message("+244923000001", idempotencyKey: "slow")
            #expect(second.status == 409)
            #expect(second["code"] == "IDEMPOTENCY_KEY_IN_USE")
            #expect(try await first.status == 202)
            #expect(try await sim.message("+244923000001", idempotencyKey: "slow").header("Idempotent-Replayed") == "true")
        }
    }

    @Test func afterTheWindowTheKeyIsFreshAgain() async throws {
        try await SimulatorHarness.with { sim async throws in
            let first = try await sim.message("+244923000001", idempotencyKey: "day-1")
            await sim.server.advanceClock(by: 24 * 3600 + 1)
            let later = try await sim.message("+244923000001", idempotencyKey: "day-1")
            #expect(later.status == 202)
            #expect(later["message_id"] != first["message_id"])
            #expect(await sim.server.ledger().messages.count == 2)
        }
    }

    @Test func ignoringKeysSendsTwice() async throws {
        try await SimulatorHarness.with({ $0.ignoreIdempotencyKeys = true }) { sim async throws in
            _ = try await sim.message("+244923000001", idempotencyKey: "k")
            _ = try await sim.message("+244923000001", idempotencyKey: "k")
            #expect(await sim.server.ledger().acceptedCountByNumber["+244923000001"] == 2)
        }
    }

    @Test func batchCanIgnoreKeysWhileMessagesHonourThem() async throws {
        try await SimulatorHarness.with({ $0.fidelity.batchHonoursIdempotencyKey = false }) { sim async throws in
            let body = SimulatorHarness.batchBody(["+244923000001", "+244923000002"], name: "c")
            _ = try await sim.send(.POST, "/campaigns/batch", json: body, idempotencyKey: "b")
            _ = try await sim.send(.POST, "/campaigns/batch", json: body, idempotencyKey: "b")
            _ = try await sim.message("+244923000009", idempotencyKey: "m")
            _ = try await sim.message("+244923000009", idempotencyKey: "m")
            let ledger = await sim.server.ledger()
            #expect(ledger.campaigns.count == 2)
            #expect(ledger.acceptedCountByNumber["+244923000009"] == 1)
        }
    }

    @Test func errorAnswersReleaseTheKeyUnlessReplayedBySwitch() async throws {
        try await SimulatorHarness.with({ $0.balance = 0 }) { sim async throws in
            #expect(try await sim.message("+244923000001", idempotencyKey: "e").status == 402)
            await sim.server.reconfigure { $0.balance = 5 }
            #expect(try await sim.message("+244923000001", idempotencyKey: "e").status == 202)
        }
        try await SimulatorHarness.with({
            $0.balance = 0
            $0.fidelity.replayErrorResponses = true
        }) { sim async throws in
            let first = try await sim.message("+244923000001", idempotencyKey: "e")
            await sim.server.reconfigure { $0.balance = 5 }
            let second = try await sim.message("+244923000001", idempotencyKey: "e")
            #expect(second.status == 402)
            #expect(second["trace_id"] == first["trace_id"])
        }
    }

    @Test func malformedKeyIs422() async throws {
        try await SimulatorHarness.with { sim async throws in
            let long = try await sim.message("+244923000001", idempotencyKey: String(repeating: "k", count: 256))
            #expect(long.status == 422)
            #expect(long.fields.keys.contains("Idempotency-Key"))
        }
    }
}
