import Testing
import ZiettSimulator

/// Starting and stopping the server.
@Suite struct ServerLifecycleTests {
    @Test func startFailsCleanlyWhenThePortIsTaken() async throws {
        let first = try await ZiettSimulatorServer.start(configuration: .unlimited)
        await #expect(throws: SimulatorStartError.self) {
            _ = try await ZiettSimulatorServer.start(configuration: .unlimited, port: first.port)
        }
        await first.stop()
    }

    @Test func unopenableLedgerFailsTheStart() async throws {
        var config = SimulatorConfiguration.unlimited
        config.ledgerPath = "/nonexistent-directory/ledger.sqlite"
        await #expect(throws: SimulatorStartError.self) {
            _ = try await ZiettSimulatorServer.start(configuration: config)
        }
    }
}
