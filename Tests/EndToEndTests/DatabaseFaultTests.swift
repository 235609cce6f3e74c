import Foundation
import Recipients
import Synchronization
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// A lost database connection mid-run is an in-doubt case, never a loss or a duplicate: three `ziett-batch
    /// run` processes (three hosts) send one job in one PostgreSQL state against a simulator that fails
    /// requests, loses replies and ignores `Idempotency-Key` (so a blind resend would show as a duplicate),
    /// while a chaos task ends their sessions from the server's side (`pg_terminate_backend`, what an
    /// administrator or a failover does), found by their `application_name`. Each process is started again
    /// until it exits 0. The simulator's ledger must show every valid recipient accepted exactly once and
    /// nothing else.
    ///
    /// The sessions are ended three ways, in turn: at a random moment (start-up, the ingest, a pacing wait);
    /// once the simulator has accepted a request since the last one (in the middle of sending); and, polled
    /// on the server, the moment a host has a chunk in flight (its intent committed, its answer not yet
    /// recorded): the host then cannot record the answer, and the chunk must be looked up, not resent.
    ///
    /// Needs `ZIETT_TEST_POSTGRES_URL` (scripts/with-postgres) and `psql`; skipped without the URL, except
    /// under `CI=true`, where it fails instead. Only this test's own sessions are ended (their names hold a
    /// random tag): the test binary's other tests share the server.
    @Suite("Database faults", .serialized)
    struct DatabaseFaultTests {
        static let psql = "/usr/bin/psql"
        /// The exit recorded for a run killed after 60 s.
        static let hung: Int32 = 999

        /// What the hosts and the chaos task saw.
        final class Tally: Sendable {
            struct Counts {
                /// Sessions `pg_terminate_backend` ended (it answered true), by how they were aimed.
                var landed: [Aim: Int] = [:]
                /// Terminations that landed once the simulator had accepted a request and before every
                /// recipient was: while the job was sending.
                var landedMidSend = 0
                /// Each host's exit statuses, in order (a signal as its negative, a hang as `hung`).
                var exits: [Int: [Int32]] = [:]
                var unexpected: [String] = []
                /// One exit 74's standard error, to show what an operator reads.
                var sample74: String?
                /// Runs that gave up an operation never answered on their closed connection (the driver's
                /// hang, `BlockingExecutor.closedConnectionGrace`): printed, since only some terminations race so.
                var givenUpOnClosedConnection = 0
                var hostsDone = 0
                var allDone = false
            }
            let counts = Mutex(Counts())
        }

        /// How a termination was aimed.
        enum Aim: String, CaseIterable, Sendable {
            case randomMoment = "at a random moment"
            case afterAnAcceptedRequest = "after a request was accepted"
            case whileAChunkWasInFlight = "while the host had a chunk in flight"
        }

        /// `psql` failed (could not connect, or the statement failed).
        struct PsqlFailure: Error, CustomStringConvertible {
            var status: Int32
            var stderr: String
            var description: String { "psql exited \(status): \(stderr)" }
        }

        @Test(.enabled(if: MultiHostTests.enabled, "ZIETT_TEST_POSTGRES_URL is not set: run under scripts/with-postgres (scripts/test does)"),
              .timeLimit(.minutes(4)))
        func sessionsTheServerEndsMidRunLeaveEveryRecipientSentExactlyOnce() async throws {
            let url = try #require(MultiHostTests.url, "CI=true but ZIETT_TEST_POSTGRES_URL is not set: run under scripts/with-postgres")
            #expect(FileManager.default.isExecutableFile(atPath: Self.psql), "psql is needed to end the hosts' sessions")
            let started = ContinuousClock.now
            let name = "database-faults"
            let seed = testSeed(name)
            let dir = temporaryDirectory()
            let fixture = try writeRecipientsFixture(count: 150 * Soak.scale, in: dir, seed: seed)
            let expected = fixture.expected
            // Up to 80 ms before the work: a request stays in flight long enough for a termination to land there.
            let server = try await ZiettSimulatorServer.start(
                configuration: MultiHostTests.faultySimulator(seed: seed, lostReplyRate: 0.1, latency: 0.08))
            // One database holds every test's jobs, and its sessions: a tag of this run's own in the job's name
            // and the hosts' names, so the chaos ends only these hosts' sessions.
            let unique = UUID().uuidString.prefix(8).lowercased()
            let job = "database-faults-\(unique)"
            let hostPrefix = "dbfault-\(unique)-"
            let arguments = [
                "run", fixture.path, "--sender", MultiHostTests.sender, "--message", "Your appointment is confirmed.", "--country", "AO",
                "--state", url, "--job", job, "--chunk-size", "5", "--max-rate", "100/10s", "--read-rate", "2000/s",
                "--backoff-base", "0.005", "--backoff-cap", "0.02", "--max-attempts", "50", "--base-url", server.baseURL,
                "--seed", "\(seed)", "--request-timeout", "2", "--settle", "0.2", "--lease", "4",
            ]
            // 100 per 10 s, not 10/s: the same pace (starts 0.1 s apart), but room in the key's shared window for the
            // slots the ended sessions leave unanswered. A host whose session ends between reserving a slot and
            // recording its answer cannot settle it, and an unanswered slot counts as "now" for 120 s (the
            // request may still be at the API): ten of them fill a 10/s window, and every host then waits up
            // to two minutes, silently, for the key (seen with 10/s at ZIETT_SOAK_SCALE=2).
            let env = ["ZIETT_API_KEY": "zk_test_dbfault_\(unique)"]
            let tally = Tally()
            let hosts = 3
            let wanted = 3 * Soak.scale  // terminations landed of each aim before the chaos stops
            try await withThrowingTaskGroup(of: Void.self) { group in
                for host in 0..<hosts {
                    let hostEnv = env.merging(["ZIETT_BATCH_HOST": hostPrefix + "\(host)"]) { $1 }
                    group.addTask {
                        // However this host's runs end, the chaos stops once every host's have.
                        defer {
                            tally.counts.withLock {
                                $0.hostsDone += 1
                                if $0.hostsDone == hosts { $0.allDone = true }
                            }
                        }
                        for round in 0..<60 {
                            let child = try Child(arguments, environment: hostEnv)
                            // A run that outlives every lease and look-up many times over hangs. Seen: a query sent
                            // on a session the server had just ended, never answered (until `BlockingExecutor` gave
                            // such operations up), and a key's window held full by slots no request used.
                            try await child.waitForExit(atMost: 60)
                            if child.isRunning {
                                child.sendSIGKILL()
                                let result = try await child.finish()
                                tally.counts.withLock {
                                    $0.unexpected.append("host \(host) round \(round): hung for 60 s; stderr ends: \(result.stderr.suffix(1500))")
                                    $0.exits[host, default: []].append(Self.hung)
                                }
                                continue
                            }
                            let result = try await child.finish()
                            tally.counts.withLock {
                                $0.exits[host, default: []].append(result.signal.map { -$0 } ?? result.status)
                                if result.status == 74 && $0.sample74 == nil { $0.sample74 = result.stderr }
                                if result.stderr.contains("closed during an operation") { $0.givenUpOnClosedConnection += 1 }
                                // 74: the state failed (the lost session); 75: try again later (another host
                                // holds the ingest lock). A signal or any other status misleads the operator.
                                if result.signal != nil || ![0, 74, 75].contains(result.status) {
                                    $0.unexpected.append(
                                        "host \(host) round \(round): exit \(result.status) signal \(result.signal ?? 0); stderr ends: "
                                            + "\(result.stderr.suffix(1500)); stdout: \(result.stdout.suffix(500))")
                                }
                            }
                            if result.status == 0 && result.signal == nil { return }
                        }
                        tally.counts.withLock { $0.unexpected.append("host \(host) never exited 0 in 60 runs") }
                    }
                }
                group.addTask {
                    var rng = TestRandom(seed: seed &+ 104_729)
                    var turn = 0
                    var acceptedBefore = 0
                    while !tally.counts.withLock({ $0.allDone }) {
                        let landedSoFar = tally.counts.withLock { $0.landed }
                        let aims = Aim.allCases.filter { (landedSoFar[$0] ?? 0) < wanted }
                        guard !aims.isEmpty else { return }
                        let aim = aims[turn % aims.count]
                        turn += 1
                        let rows: [[String]]
                        let ledgerBefore = await server.ledger().messages.count
                        switch aim {
                        case .randomMoment:
                            try await Task.sleep(for: .milliseconds(50 + Int((rng.next() as UInt64) % 700)))
                            // One host, or every host at once.
                            let which = (rng.next() as UInt64) % UInt64(hosts + 1)
                            let pattern = hostPrefix + (which == UInt64(hosts) ? "%" : "\(which)")
                            rows = try await Self.endSessions(url: url, named: pattern)
                        case .afterAnAcceptedRequest:
                            try await waitUntil("a request accepted since the last termination") {
                                if tally.counts.withLock({ $0.allDone }) { return true }
                                return await server.ledger().messages.count > acceptedBefore
                            }
                            try await Task.sleep(for: .milliseconds(Int((rng.next() as UInt64) % 60)))
                            rows = try await Self.endSessions(url: url, named: hostPrefix + "%")
                        case .whileAChunkWasInFlight:
                            rows = try await Self.endSessionsWithAChunkInFlight(url: url, job: job, hostPrefix: hostPrefix)
                        }
                        let ledger = await server.ledger()
                        acceptedBefore = ledger.messages.count
                        let landed = rows.filter { $0.count == 2 && $0[1] == "t" }.count
                        let midSend = ledgerBefore > 0 && Set(ledger.messages.map(\.e164)).count < expected.count
                        tally.counts.withLock {
                            $0.landed[aim, default: 0] += landed
                            if midSend { $0.landedMidSend += landed }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let ledger = await server.ledger()
            let stateEnv = env.merging(["ZIETT_BATCH_STATE": url]) { $1 }
            let status = try await runBinary(["status", "--job", job, "--json"], environment: stateEnv)
            await server.stop()
            let counts = tally.counts.withLock { $0 }
            let landed = counts.landed.values.reduce(0, +)
            print("[\(name)] \(landed) sessions ended (" + Aim.allCases.map { "\(counts.landed[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                + "), \(counts.landedMidSend) mid-send, \(counts.givenUpOnClosedConnection) run(s) gave up an unanswered operation; exits by host: "
                + counts.exits.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.map(String.init).joined(separator: " "))" }.joined(separator: "; ")
                + "; simulator accepted \(ledger.messages.count) messages in \(ledger.campaigns.count) batches, responses \(ledger.responses); "
                + "\(ContinuousClock.now - started)")
            if let sample = counts.sample74 { print("[\(name)] an exit 74 said: \(sample.suffix(400))") }
            #expect(counts.unexpected.isEmpty, "\(counts.unexpected)")
            #expect(counts.exits.count == hosts && counts.exits.values.allSatisfy { $0.last == 0 }, "every host ends with exit 0: \(counts.exits)")
            // The terminations proved something only if they landed, and some while there was work to lose.
            #expect(landed >= 3, "too few sessions ended: \(counts.landed)")
            #expect(counts.landedMidSend > 0, "no session ended while the job was sending")
            #expect((counts.landed[.whileAChunkWasInFlight] ?? 0) > 0, "no session ended while its host had a chunk in flight")
            #expect(counts.exits.values.joined().contains(74), "no run noticed its lost session")
            #expect(status.status == 0, "status: \(status.stderr)")
            #expect(status.stdout.contains("\"phase\" : \"complete\""), "\(status.stdout)")

            expectEachAcceptedExactlyOnce(ledger, expected: expected)
        }

        /// Ends the sessions on the test's database whose `application_name` is `ziett-batch <pattern>` (a `LIKE`
        /// pattern), waiting (up to 5 s each) until each backend has exited, so its locks are free when this
        /// returns. Returns a row per session: its name, and `t` when it was ended.
        static func endSessions(url: String, named pattern: String) async throws -> [[String]] {
            try await runPsql(url: url, """
                SELECT application_name, pg_terminate_backend(pid, 5000) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name LIKE 'ziett-batch \(pattern)';
                """)
        }

        /// Polls on the server (every 5 ms, for up to 3 s) for a host of this test with a chunk of `job` in flight
        /// (its intent committed under its live lease, the attempt row without an answer, begun in the last half
        /// second, so not a dead host's left-over) and ends that host's sessions at once. Polling in one
        /// statement on the server, not from here: a `psql` per poll is slower than a request's round trip.
        static func endSessionsWithAChunkInFlight(url: String, job: String, hostPrefix: String) async throws -> [[String]] {
            try await runPsql(url: url, """
                CREATE FUNCTION pg_temp.end_in_flight(p_job text, p_hosts text) RETURNS TABLE(app text, ended boolean)
                LANGUAGE plpgsql AS $$
                BEGIN
                    FOR i IN 1..600 LOOP
                        -- pg_stat_activity is read once per transaction unless cleared.
                        PERFORM pg_stat_clear_snapshot();
                        RETURN QUERY
                            SELECT a.application_name::text, pg_terminate_backend(a.pid, 5000) FROM pg_stat_activity a
                            WHERE a.datname = current_database() AND a.application_name LIKE 'ziett-batch ' || p_hosts
                              AND a.application_name IN (
                                SELECT 'ziett-batch ' || split_part(c.lease_holder, ':', 1)
                                FROM chunk c JOIN job j ON j.id = c.job_id JOIN attempt t ON t.job_id = c.job_id AND t.chunk_seq = c.seq
                                WHERE j.name = p_job AND c.state = 'inflight' AND t.finished_at IS NULL
                                  AND c.lease_expires_at > extract(epoch FROM clock_timestamp())
                                  AND t.started_at > extract(epoch FROM clock_timestamp()) - 0.5);
                        IF FOUND THEN RETURN; END IF;
                        PERFORM pg_sleep(0.005);
                    END LOOP;
                END $$;
                SELECT * FROM pg_temp.end_in_flight('\(job)', '\(hostPrefix)%');
                """)
        }

        /// Runs `sql` with `psql` on `url`'s database; returns the rows (`|` between columns). Output to files,
        /// polled, as `Child` does: a pipe read would block a thread the in-process simulator needs.
        static func runPsql(url: String, _ sql: String) async throws -> [[String]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: psql)
            process.arguments = ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
            var environment = ProcessInfo.processInfo.environment
            environment["PGCONNECT_TIMEOUT"] = "5"
            process.environment = environment
            let base = (TemporaryFiles.root.map { $0 + "/" } ?? NSTemporaryDirectory()) + "psql-" + UUID().uuidString
            _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
            _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
            let out = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
            let err = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
            defer {
                try? out.close()
                try? err.close()
                try? FileManager.default.removeItem(atPath: base + ".out")
                try? FileManager.default.removeItem(atPath: base + ".err")
            }
            process.standardOutput = out
            process.standardError = err
            try process.run()
            while process.isRunning { try await Task.sleep(for: .milliseconds(2)) }
            let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
            guard process.terminationStatus == 0 else {
                throw PsqlFailure(status: process.terminationStatus, stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
            }
            return stdout.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        }
    }
}
