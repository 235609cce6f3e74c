import Foundation
@testable import PostgresCheckpoint
import PostgresNIO
import Testing

/// Every session names the program and the host in `pg_stat_activity.application_name`, so an operator (or a
/// test) can end one host's sessions by name; the name is what the server shows, byte for byte, and never holds
/// the password.
@Suite(.enabled(if: TestServer.enabled, TestServer.skipReason))
struct ApplicationNameTests {
    /// The names the other sessions on the test's own database show (the test's database is its alone).
    static func namesSeen(_ location: PostgresLocation) async throws -> [String] {
        try await TestServer.withRawConnection(location) { connection in
            try await connection.values(
                "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY 1",
                as: String.self)
        }
    }

    @Test func aSessionShowsTheProgramAndTheHost() async throws {
        try await TestServer.withDatabase { plain in
            var location = plain
            location.password = "pw-never-in-the-name-51c2"
            try await TestServer.withStores(1, location.forHost("host-1")) { _ in
                try await TestServer.withStores(1, location) { _ in
                    let names = try await Self.namesSeen(plain)
                    #expect(names == ["ziett-batch", "ziett-batch host-1"], "a host's session, and one opened without a host")
                    #expect(!names.joined().contains("pw-never"), "\(names)")
                }
            }
        }
    }

    /// Each session asks the server to probe its TCP connection (`sessionSettings`, sent with the name when
    /// it connects), so a dead host's locks end within about 2 minutes, not the system's 2 hours.
    @Test func aSessionAsksTheServerForTCPKeepalives() async throws {
        try await TestServer.withDatabase { location in
            try await TestServer.withStores(1, location.forHost("host-1")) { stores in
                let shown = try await stores[0].serially { connection in
                    var values: [String] = []
                    for name in ["tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count"] {
                        for try await value in try await connection.query(PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: TestServer.logger)
                            .decode(String.self) { values.append(value) }
                    }
                    return values
                }
                #expect(shown == ["60", "10", "6"])
            }
        }
    }

    /// The server keeps printable ASCII and 63 bytes of the name; `forHost` cuts it the same way, so the name
    /// an operator is told to look for is the one the server shows.
    @Test func aLongOrNonASCIIHostNameIsShownAsTheServerKeepsIt() async throws {
        let host = "höst-" + String(repeating: "x", count: 80)
        let name = try #require(PostgresLocation(user: "u", password: nil, host: "h", database: "d").forHost(host).applicationName)
        #expect(name == "ziett-batch h?st-" + String(repeating: "x", count: 63 - "ziett-batch h?st-".count))
        try await TestServer.withDatabase { location in
            try await TestServer.withStores(1, location.forHost(host)) { _ in
                let names = try await Self.namesSeen(location)
                #expect(names == [name])
            }
        }
    }
}
