import Foundation
import Testing
import TestSupport
import ZiettSimulator

extension EndToEnd {
    /// Send windows and the campaign's end against the real binary and the simulator, at fixed "now"s
    /// (`ZIETT_BATCH_CLOCK_OFFSET` shifts the binary's clock): only numbers whose local window is open go,
    /// the others wait and the run exits 75 naming the next opening; later, each goes exactly once; past
    /// `--not-after` every row left expires without a request.
    @Suite("Send windows")
    struct SendWindowEndToEndTests {
        /// Numbers whose zones libphonenumber knows (phonenumbers 9.0.43: time_zones_for_number).
        static let luanda = ["+244923000001", "+244923000002", "+244923000003"]  // UTC+1
        static let tokyo = ["+819012345678", "+819012345679"]  // UTC+9
        static let newYork = ["+12015550123", "+12015550124", "+12015550199"]  // UTC-4 in June
        static let losAngeles = ["+12135550123", "+12135550124"]  // UTC-7 in June

        static func instant(_ iso: String) -> Double {
            let formatter = ISO8601DateFormatter()
            return formatter.date(from: iso)?.timeIntervalSince1970 ?? 0
        }

        /// The environment that makes the binary's "now" `iso`.
        static func at(_ iso: String, key: String) -> [String: String] {
            ["ZIETT_API_KEY": key, "ZIETT_BATCH_CLOCK_OFFSET": String(instant(iso) - Date().timeIntervalSince1970)]
        }

        func writeCSV(in dir: String) throws -> String {
            // Interleaved on purpose: a batch must never mix zones, whatever the file's order.
            let numbers = [Self.newYork[0], Self.luanda[0], Self.losAngeles[0], Self.tokyo[0], Self.luanda[1], Self.newYork[1],
                           Self.tokyo[1], Self.losAngeles[1], Self.luanda[2], Self.newYork[2], "+442071234567"]
            let path = dir + "/world.csv"
            try (["phone,name"] + numbers.enumerated().map { "\($0.element),P\($0.offset)" }).joined(separator: "\n")
                .appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func arguments(_ csv: String, _ state: String, _ server: ZiettSimulatorServer, extra: [String] = []) -> [String] {
            ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hello.", "--state", state,
             "--base-url", server.baseURL, "--chunk-size", "2", "--max-rate", "200/s", "--read-rate", "2000/s",
             "--send-window", "09:00-20:00", "--send-days", "mon-fri"] + extra
        }

        /// Where the state lives: a file, and (under scripts/with-postgres) a PostgreSQL database, where a chunk
        /// outside its window goes back to every host with its opening as the time it may be taken again.
        static let states = ["file"] + (EndToEnd.MultiHostTests.enabled ? ["postgres"] : [])

        /// The `--state` of a test `in` `kind`: `file`, or the test database's URL.
        static func state(_ kind: String, file: String) throws -> String {
            guard kind == "postgres" else { return file }
            return try #require(EndToEnd.MultiHostTests.url, "CI=true but ZIETT_TEST_POSTGRES_URL is not set: run under scripts/with-postgres")
        }

        @Test(arguments: states)
        func onlyOpenWindowsGoThenTheRestEachExactlyOnceAsTheirWindowsOpen(in kind: String) async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let csv = try writeCSV(in: dir)
            // One database holds every test's jobs and keys' budgets: a job and a key of this run's own.
            let unique = UUID().uuidString.prefix(8).lowercased()
            let state = try Self.state(kind, file: dir + "/s.sqlite")
            let job = ["--job", "windows-\(unique)"]
            func arguments(_ csv: String, _ state: String, _ server: ZiettSimulatorServer) -> [String] {
                self.arguments(csv, state, server, extra: job)
            }
            let key = "zk_test_windows_\(unique)"
            // Wednesday 2026-06-10 08:30Z: Luanda 09:30 and Tokyo 17:30 are open; New York 04:30, Los Angeles 01:30 are not.
            let first = try await runBinary(arguments(csv, state, server), environment: Self.at("2026-06-10T08:30:00Z", key: key))
            #expect(first.status == 75, "\(first.stdout)\(first.stderr)")
            #expect((first.stdout + first.stderr).contains("the next one opens at 2026-06-10T13:00:00Z"), "\(first.stdout)\(first.stderr)")
            var sent = await server.ledger().acceptedCountByNumber
            #expect(Set(sent.keys) == Set(Self.luanda + Self.tokyo))
            // Each batch holds one zone's numbers.
            for campaign in await server.ledger().campaigns {
                let zone = [Self.luanda, Self.tokyo, Self.newYork, Self.losAngeles].first { $0.contains(campaign.recipients[0]) } ?? []
                #expect(campaign.recipients.allSatisfy(zone.contains), "\(campaign.recipients)")
            }
            if kind == "postgres" {
                // Another host's run meanwhile: the chunks set aside are hidden from it until their opening, and
                // it says what it waits for as the first run did.
                let requestsBefore = await server.ledger().requests.count
                let other = try await runBinary(
                    arguments(csv, state, server),
                    environment: Self.at("2026-06-10T08:31:00Z", key: key).merging(["ZIETT_BATCH_HOST": "other-host"]) { $1 })
                #expect(other.status == 75, "\(other.stdout)\(other.stderr)")
                #expect((other.stdout + other.stderr).contains("the next one opens at 2026-06-10T13:00:00Z"), "\(other.stdout)\(other.stderr)")
                #expect(await server.ledger().requests.count == requestsBefore, "no request from the other host")
            }
            // The landline (+44 20 …) is invalid by the default number types, and said why.
            let report = try await runBinary(["report", "--state", state, "--only", "invalid"] + job)
            #expect(report.stdout.contains("fixed-line number: cannot receive SMS"), "\(report.stdout)")
            let status = try await runBinary(["status", "--state", state] + job, environment: Self.at("2026-06-10T08:31:00Z", key: key))
            #expect(status.stdout.contains("5 waiting (next opening 2026-06-10T13:00:00Z)"), "\(status.stdout)")
            #expect(status.stdout.contains("the next window opens at 2026-06-10T13:00:00Z"), "\(status.stdout)")
            #expect(status.stdout.contains("types:      fixed_line 1, mobile 5, fixed_line_or_mobile 5"), "\(status.stdout)")

            // A resumed run with another window is refused: the window is fixed at creation, like the text.
            let changed = try await runBinary(
                arguments(csv, state, server).map { $0 == "09:00-20:00" ? "08:00-20:00" : $0 },
                environment: Self.at("2026-06-10T13:30:00Z", key: key))
            #expect(changed.status == 64, "\(changed.stdout)\(changed.stderr)")
            #expect((changed.stdout + changed.stderr).contains("--send-window"), "\(changed.stdout)\(changed.stderr)")

            // 13:30Z: New York (09:30) opens; Los Angeles (06:30) still waits.
            let second = try await runBinary(arguments(csv, state, server), environment: Self.at("2026-06-10T13:30:00Z", key: key))
            #expect(second.status == 75, "\(second.stdout)\(second.stderr)")
            #expect((second.stdout + second.stderr).contains("the next one opens at 2026-06-10T16:00:00Z"), "\(second.stdout)\(second.stderr)")
            sent = await server.ledger().acceptedCountByNumber
            #expect(Set(sent.keys) == Set(Self.luanda + Self.tokyo + Self.newYork))

            // 16:30Z: Los Angeles (09:30) opens: the job completes, every number sent exactly once.
            let third = try await runBinary(arguments(csv, state, server), environment: Self.at("2026-06-10T16:30:00Z", key: key))
            #expect(third.status == 0, "\(third.stdout)\(third.stderr)")
            sent = await server.ledger().acceptedCountByNumber
            #expect(Set(sent.keys) == Set(Self.luanda + Self.tokyo + Self.newYork + Self.losAngeles))
            #expect(sent.values.allSatisfy { $0 == 1 })
            await server.stop()
        }

        /// Rows whose window opens only after the campaign's end are set aside until that end (on PostgreSQL,
        /// from every host), when they expire without a request; until then every run says no window opens
        /// for them, not that one opens at the end.
        @Test(arguments: states)
        func rowsWhoseWindowOpensAfterTheEndWaitThenExpireAtTheEnd(in kind: String) async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let csv = try writeCSV(in: dir)
            let unique = UUID().uuidString.prefix(8).lowercased()
            let state = try Self.state(kind, file: dir + "/end.sqlite")
            let args = arguments(csv, state, server, extra: ["--job", "window-end-\(unique)", "--not-after", "2026-06-10T12:00:00Z"])
            let key = "zk_test_window_end_\(unique)"
            // 08:30Z: Luanda and Tokyo go; New York opens at 13:00Z and Los Angeles at 16:00Z, both after the end.
            for (at, host) in [("2026-06-10T08:30:00Z", "first"), ("2026-06-10T08:31:00Z", "second")] {
                let run = try await runBinary(args, environment: Self.at(at, key: key).merging(["ZIETT_BATCH_HOST": host]) { $1 })
                #expect(run.status == 75, "\(host): \(run.stdout)\(run.stderr)")
                #expect((run.stdout + run.stderr).contains("waiting for the send window: none opens"), "\(host): \(run.stdout)\(run.stderr)")
            }
            #expect(Set(await server.ledger().acceptedCountByNumber.keys) == Set(Self.luanda + Self.tokyo))
            let end = try await runBinary(args, environment: Self.at("2026-06-10T12:30:00Z", key: key))
            #expect(end.status == 0, "\(end.stdout)\(end.stderr)")
            #expect(end.stdout.contains("expired 5"), "\(end.stdout)")
            let sent = await server.ledger().acceptedCountByNumber
            #expect(Set(sent.keys) == Set(Self.luanda + Self.tokyo) && sent.values.allSatisfy { $0 == 1 })
            await server.stop()
        }

        /// On a shared state, a host whose only chunks left were set aside by another host until their window
        /// opens, 10 s away, waits for the opening in one sleep rather than looking again every 2 s (each look a
        /// scan over the hidden chunks); then both hosts end, each number sent once.
        @Test(.enabled(if: EndToEnd.MultiHostTests.enabled, "ZIETT_TEST_POSTGRES_URL is not set: run under scripts/with-postgres"))
        func aHostWaitsForAnOpeningSoonInOneSleep() async throws {
            let url = try Self.state("postgres", file: "")
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let csv = dir + "/luanda.csv"
            try (["phone"] + Self.luanda).joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
            let unique = UUID().uuidString.prefix(8).lowercased()
            let args = arguments(csv, url, server, extra: ["--job", "soon-\(unique)", "--verbose"])
            // 07:59:50Z: Luanda's 09:00 is 10 s away. One offset for both hosts, so their clocks agree.
            let clock = Self.at("2026-06-10T07:59:50Z", key: "zk_test_soon_\(unique)")
            let first = try Child(args, environment: clock.merging(["ZIETT_BATCH_HOST": "alpha"]) { $1 })
            try await waitUntil("the first host to set its chunks aside") {
                !first.isRunning || first.stderrSoFar.contains("chunk waits for its send window")
            }
            let second = try await runBinary(args, environment: clock.merging(["ZIETT_BATCH_HOST": "beta"]) { $1 })
            let firstResult = try await first.finish()
            #expect(firstResult.status == 0, "\(firstResult.stdout)\(firstResult.stderr)")
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
            #expect(second.stderr.contains("waiting for the send window of chunks set aside"), "\(second.stderr)")
            // Before the opening, one sleep; after it, a look or two while the first host sends. A look every 2 s
            // would have made five before the opening.
            let looks = second.stderr.components(separatedBy: "waiting for chunks other hosts hold").count - 1
            #expect(looks < 4, "\(looks) looks: \(second.stderr)")
            let sent = await server.ledger().acceptedCountByNumber
            #expect(Set(sent.keys) == Set(Self.luanda) && sent.values.allSatisfy { $0 == 1 })
            await server.stop()
        }

        @Test func theWeekEndAndTheCampaignsStartHoldEverythingBack() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let csv = try writeCSV(in: dir)
            // Saturday 2026-06-13 12:00Z: every zone is inside 09:00-20:00 somewhere, but mon-fri closes them all.
            let weekend = try await runBinary(
                arguments(csv, dir + "/w.sqlite", server), environment: Self.at("2026-06-13T12:00:00Z", key: "zk_test_weekend"))
            #expect(weekend.status == 75, "\(weekend.stdout)")
            // Monday 09:00 in Tokyo is Monday 00:00Z.
            #expect((weekend.stdout + weekend.stderr).contains("the next one opens at 2026-06-15T00:00:00Z"), "\(weekend.stdout)\(weekend.stderr)")
            let early = try await runBinary(
                arguments(csv, dir + "/e.sqlite", server, extra: ["--not-before", "2026-06-11T00:00:00Z"]),
                environment: Self.at("2026-06-10T12:00:00Z", key: "zk_test_weekend"))
            #expect(early.status == 75, "\(early.stdout)")
            #expect((early.stdout + early.stderr).contains("the next one opens at 2026-06-11T00:00:00Z"), "\(early.stdout)\(early.stderr)")
            #expect(await server.ledger().campaigns.isEmpty)
            await server.stop()
        }

        @Test func pastTheCampaignsEndEveryRowLeftExpiresWithoutARequest() async throws {
            let server = try await ZiettSimulatorServer.start(configuration: .unlimited)
            let dir = temporaryDirectory()
            let csv = try writeCSV(in: dir)
            let state = dir + "/x.sqlite"
            let args = arguments(csv, state, server, extra: ["--not-after", "2026-06-10T08:00:00Z"])
            let result = try await runBinary(args, environment: Self.at("2026-06-10T08:30:00Z", key: "zk_test_expired"))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("expired 10"), "\(result.stdout)")
            #expect(await server.ledger().campaigns.isEmpty)
            #expect(await server.ledger().messages.isEmpty)
            let report = try await runBinary(["report", "--state", state, "--only", "expired"])
            #expect(report.status == 0, "\(report.stderr)")
            #expect(report.stdout.components(separatedBy: "not sent before the campaign ended").count - 1 == 10, "\(report.stdout)")
            await server.stop()
        }

        @Test func invalidScheduleOptionsAreUsageErrorsNamingTheOptionAndValue() async throws {
            let dir = temporaryDirectory()
            let csv = try writeCSV(in: dir)
            for (option, value) in [("--send-window", "9-20"), ("--send-days", "weekdays"), ("--not-after", "tomorrow"),
                                    ("--number-types", "mobile,landline")] {
                let result = try await runBinary(
                    ["run", csv, "--sender", EndToEnd.KillResumeTests.sender, "--message", "Hi", "--state", dir + "/bad.sqlite", option, value],
                    environment: ["ZIETT_API_KEY": "zk_test_bad"])
                #expect(result.status == 64, "\(option) \(value): \(result.stderr)")
                #expect(result.stderr.contains(option) && result.stderr.contains(value), "\(result.stderr)")
            }
        }
    }
}

extension EndToEnd.SendWindowEndToEndTests {
    @Test func aJobFileTakesTheWindowAndTheDryRunPlanShowsIt() async throws {
        let dir = temporaryDirectory()
        _ = try writeCSV(in: dir)  // world.csv, named relative to the job file
        let file = dir + "/job.toml"
        try """
            csv = "world.csv"
            sender = "\(EndToEnd.KillResumeTests.sender)"
            message = "Hello."
            state = "plan.sqlite"
            send-window = "09:00-20:00"
            send_days = "mon-fri"
            number-types = "mobile,fixed_line_or_mobile,fixed_line"
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await runBinary(
            ["run", "--job-file", file, "--dry-run"], environment: ["ZIETT_BATCH_CLOCK_OFFSET": String(Self.instant("2026-06-10T08:30:00Z") - Date().timeIntervalSince1970)])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("send window: 09:00-20:00 mon,tue,wed,thu,fri local time: 6 recipient(s) in an open window now, 5 waiting (next opening 2026-06-10T13:00:00Z)"), "\(result.stdout)")
        #expect(result.stdout.contains("number types: fixed_line 1, mobile 5, fixed_line_or_mobile 5"), "\(result.stdout)")
    }
}

extension EndToEnd.SendWindowEndToEndTests {
    @Test func validateReportsEveryValidNumbersTypeAndTheDefaultPolicy() async throws {
        let dir = temporaryDirectory()
        let csv = try writeCSV(in: dir)
        let report = dir + "/report.jsonl"
        let result = try await runBinary(["validate", csv, "--report", report])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("11 row(s): 10 valid, 1 invalid"), "\(result.stdout)")
        #expect(result.stdout.contains("invalid, number_type: 1"), "\(result.stdout)")
        #expect(result.stdout.contains("number types: fixed_line 1, mobile 5, fixed_line_or_mobile 5"), "\(result.stdout)")
        let objects = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let landline = try #require(objects.last)
        #expect(landline["status"] as? String == "invalid")
        #expect(landline["e164"] as? String == "+442071234567")
        #expect(landline["type"] as? String == "fixed_line")
        #expect(landline["reason"] as? String == "fixed-line number: cannot receive SMS; --number-types to allow")
        #expect(objects[0]["type"] as? String == "fixed_line_or_mobile")
        #expect(objects[1]["type"] as? String == "mobile")
        let allowing = try await runBinary(["validate", csv, "--number-types", "mobile,fixed-line-or-mobile,fixed_line"])
        #expect(allowing.stdout.contains("11 row(s): 11 valid, 0 invalid"), "\(allowing.stdout)")
    }
}
