import Foundation
import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import ZiettAPI

/// A stateful Ziett API simulator on a loopback port: `ziett-batch sim`, the demo, and the tests.
///
/// It serves the documented surface under `/c/v1`, validates like the docs say, moves campaigns and
/// messages through their states as its clock advances, replays idempotent requests, limits rates per
/// key and endpoint, misbehaves on purpose when asked (5xx, 429 bursts, latency, lost replies, slow work,
/// phantom 200s, list lag, redirects), and keeps a ledger of everything it accepted so that a test can
/// count exactly what each number received.
public final class ZiettSimulatorServer: Sendable {
    let state: SimulatorState
    private let group: ServiceGroupBox
    /// The port it listens on (after `start`).
    public let port: Int
    /// `http://127.0.0.1:<port>/c/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/c/v1" }

    private init(state: SimulatorState, group: ServiceGroupBox, port: Int) {
        self.state = state
        self.group = group
        self.port = port
    }

    /// Starts a simulator on `host:port` (port 0: any free port) and returns once it listens.
    public static func start(
        configuration: SimulatorConfiguration = SimulatorConfiguration(), host: String = "127.0.0.1", port: Int = 0,
        logger: Logger = Logger(label: "ziett.simulator", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> ZiettSimulatorServer {
        let state = try SimulatorState(configuration: configuration)
        let router = Router(context: SimulatorRequestContext.self)
        router.add(middleware: RedirectMiddleware(
            target: { await state.configuration.fidelity.redirectTo }, count: { await state.count($0) }))
        router.add(middleware: ErrorObjectMiddleware(notFoundCode: { await state.configuration.fidelity.notFoundCode }))
        SimulatorRoutes(state: state).register(on: router)
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "ziett-simulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let box = ServiceGroupBox(group: serviceGroup)
        box.task = Task {
            do {
                try await serviceGroup.run()
            } catch {
                portContinuation.finish()
            }
        }
        var iterator = portStream.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            throw SimulatorStartError(message: "the simulator could not listen on \(host):\(port)")
        }
        return ZiettSimulatorServer(state: state, group: box, port: bound)
    }

    /// Stops listening, finishes pending POST work, and brings the SQLite ledger's statuses up to date.
    ///
    /// Work held by `faults.workDelay` is not abandoned: its delay is cut short, the work is done (and
    /// in the ledger) before `stop()` returns, whether or not its client is still waiting.
    public func stop() async {
        await state.hurryPendingWork()
        await group.group.triggerGracefulShutdown()
        _ = await group.task?.result
        await state.drainPendingWork()
        await state.syncStore()
    }

    /// Everything accepted so far, with statuses as of now.
    public func ledger() async -> LedgerSnapshot { await state.snapshot() }

    /// Idempotency-Keys whose first request is being worked on (no answer stored yet): a readiness signal
    /// for tests that must send a second request while the first is in flight.
    public func idempotencyKeysInFlight() async -> Int { await state.idempotencyKeysInFlight }

    /// Writes current statuses to the SQLite ledger (when `ledgerPath` is set).
    public func syncLedger() async { await state.syncStore() }

    /// Changes the configuration while running (e.g. restore funds, stop faults, move the clock).
    public func reconfigure(_ change: @escaping @Sendable (inout SimulatorConfiguration) -> Void) async {
        await state.update(change)
    }

    /// Moves the simulator's clock forward: campaigns and messages advance, windows expire.
    public func advanceClock(by seconds: Double) async {
        await state.update { $0.clockOffset += seconds }
    }

    /// The remaining balance in recipients, when limited.
    public func balance() async -> Int? { await state.balance }

    /// The remaining balance in money, when limited.
    public func moneyBalance() async -> Double? { await state.moneyBalance }
}

/// Why the simulator did not start.
public struct SimulatorStartError: Error, CustomStringConvertible {
    /// What happened.
    public var message: String
    /// The message.
    public var description: String { message }
}

final class ServiceGroupBox: @unchecked Sendable {
    let group: ServiceGroup
    var task: Task<Void, Never>?
    init(group: ServiceGroup) { self.group = group }
}
