import PostgresCheckpoint
import Testing

@Suite struct PostgresLocationTests {
    @Test func readsEveryPartOfAFullURL() throws {
        let location = try PostgresLocation(
            parsing: "postgres://batch:s%40cr%3At@db.example.org:6543/ziett?sslmode=require", environment: [:])
        #expect(location == PostgresLocation(
            user: "batch", password: "s@cr:t", host: "db.example.org", port: 6543, database: "ziett", sslMode: .require))
    }

    @Test func acceptsPostgresqlSchemeAndDefaultsPortAndPlainTCP() throws {
        let location = try PostgresLocation(parsing: "PostgreSQL://batch@localhost/ziett", environment: [:])
        #expect(location.port == 5432)
        #expect(location.sslMode == .disable)
        #expect(location.password == nil)
    }

    @Test func takesThePasswordFromPGPASSWORDWhenTheURLHasNone() throws {
        let fromEnvironment = try PostgresLocation(parsing: "postgres://batch@h/db", environment: ["PGPASSWORD": "envsecret"])
        #expect(fromEnvironment.password == "envsecret")
        let fromURL = try PostgresLocation(parsing: "postgres://batch:urlsecret@h/db", environment: ["PGPASSWORD": "envsecret"])
        #expect(fromURL.password == "urlsecret")
        let empty = try PostgresLocation(parsing: "postgres://batch:@h/db", environment: ["PGPASSWORD": "envsecret"])
        #expect(empty.password == "")
    }

    @Test func readsABracketedIPv6HostAndPrintsItBack() throws {
        let location = try PostgresLocation(parsing: "postgres://batch@[::1]:5433/db?sslmode=prefer", environment: [:])
        #expect(location.host == "::1")
        #expect(location.port == 5433)
        #expect(location.sslMode == .prefer)
        #expect(location.description == "postgres://batch@[::1]:5433/db?sslmode=prefer")
    }

    @Test func neverPrintsThePassword() throws {
        let location = try PostgresLocation(parsing: "postgres://batch:hunter2@h:1/db", environment: [:])
        var dumped = ""
        dump(location, to: &dumped)
        for text in [location.description, location.debugDescription, "\(location)", String(reflecting: location), dumped] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(location.description == "postgres://batch@h:1/db?sslmode=disable")
        #expect(dumped.contains("<hidden>"))
    }

    @Test func printsSpecialCharactersEscapedSoTheURLReadsBack() throws {
        let location = PostgresLocation(user: "a@b", password: nil, host: "h", database: "my db/x")
        #expect(location.description == "postgres://a%40b@h:5432/my%20db%2Fx?sslmode=disable")
    }

    @Test(arguments: [
        ("mysql://u@h/db", PostgresLocationError.Reason.notPostgresURL),
        ("/var/lib/state.sqlite", .notPostgresURL),
        ("postgres://h/db", .missingUser),
        ("postgres://@h/db", .missingUser),
        ("postgres://u@/db", .missingHost),
        ("postgres://u@h", .missingDatabase),
        ("postgres://u@h/", .missingDatabase),
        ("postgres://u@h/a%2Fb", .badDatabase),
        ("postgres://u@h:0/db", .badPort("0")),
        ("postgres://u@h:65536/db", .badPort("65536")),
        ("postgres://u@h:+5/db", .badPort("+5")),
        ("postgres://u@h:x/db", .badPort("x")),
        ("postgres://u@[::1/db", .badHost),
        ("postgres://u@::1/db", .badHost),
        ("postgres://u%zz@h/db", .badPercentEncoding(part: "user")),
        ("postgres://u:p%4@h/db", .badPercentEncoding(part: "password")),
        ("postgres://u@h/db?sslmode=verify-full", .unsupportedSSLMode("verify-full")),
        ("postgres://u@h/db?sslmode", .unsupportedSSLMode("")),
        ("postgres://u@h/db?connect_timeout=3", .unknownParameter("connect_timeout")),
    ])
    func namesWhatIsWrong(text: String, reason: PostgresLocationError.Reason) {
        #expect(throws: PostgresLocationError(reason)) { try PostgresLocation(parsing: text, environment: [:]) }
    }

    @Test func errorTextNeverEchoesTheURL() {
        do {
            _ = try PostgresLocation(parsing: "postgres://u:hunter2@h:99999/db", environment: [:])
            Issue.record("parsed a bad port")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.contains("port \"99999\""))
        }
    }

    @Test func tellsAURLFromAPath() {
        #expect(PostgresLocation.isPostgresURL("postgres://u@h/db"))
        #expect(PostgresLocation.isPostgresURL("POSTGRESQL://u@h/db"))
        #expect(!PostgresLocation.isPostgresURL("/tmp/postgres://x"))
        #expect(!PostgresLocation.isPostgresURL("state.sqlite"))
    }
}
