/// Where the PostgreSQL state lives: `postgres://user[:password]@host[:port]/db[?sslmode=disable|prefer|require]`
/// (also `postgresql://`), as given to `--state`.
///
/// The password comes from the URL, else from `PGPASSWORD`; it is kept for the connection only.
/// `description` (and so every log line and error that prints a location) never contains it, and a
/// `dump` of the value shows it as `<hidden>`.
public struct PostgresLocation: Sendable, Equatable {
    /// Whether, and how strictly, the connection uses TLS.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP (the default: TLS only when the URL asks for it).
        case disable
        /// TLS when the server offers it, plain TCP when it does not.
        case prefer
        /// TLS or no connection; the server's certificate must be valid for the host (system trust roots),
        /// which is stricter than libpq's `require` (there, `verify-full`).
        case require
    }

    /// The role to log in as.
    public var user: String
    /// The password, when the URL or `PGPASSWORD` gave one. Never printed.
    public var password: String?
    /// Host name or IP address (an IPv6 address without its brackets).
    public var host: String
    /// TCP port (5432 unless given).
    public var port: Int
    /// The database.
    public var database: String
    /// TLS, as the URL's `sslmode` asks.
    public var sslMode: SSLMode
    /// The session's `application_name` (what `pg_stat_activity` shows the operator), set by whoever opens the
    /// state for a host (`forHost(_:)`), not by the URL; `defaultApplicationName` when nil.
    public var applicationName: String?

    /// The default PostgreSQL port.
    public static let defaultPort = 5432

    /// The `application_name` of a session opened without a host's name: the program alone.
    public static let defaultApplicationName = "ziett-batch"

    /// This location with `applicationName` naming the program and `host` (`ziett-batch host-1`): an operator
    /// who must end a host's sessions (docs/postgres.md, "When something goes away") selects them by name in
    /// `pg_stat_activity`, where the client address alone cannot tell two hosts behind one NAT, or two
    /// processes on one machine, apart. The server keeps printable ASCII only and at most 63 bytes, so the name
    /// is cut to that here (anything else becomes `?`, as the server would show it): what `pg_stat_activity`
    /// shows is exactly this.
    public func forHost(_ host: String) -> PostgresLocation {
        var copy = self
        let printable = (Self.defaultApplicationName + " " + host).unicodeScalars.map { scalar in
            (0x20...0x7E).contains(scalar.value) ? Character(scalar) : "?"
        }
        copy.applicationName = String(printable.prefix(63))
        return copy
    }

    /// Creates a location from its parts.
    public init(user: String, password: String?, host: String, port: Int = Self.defaultPort, database: String, sslMode: SSLMode = .disable) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
    }

    /// True when `text` names a PostgreSQL state (`postgres://` or `postgresql://`), whether or not it is valid:
    /// how `--state` tells a URL from a file path.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }
}

extension PostgresLocation: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The URL without the password: `postgres://user@host:port/db?sslmode=…`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(Self.encode(user))@\(shownHost):\(port)/\(Self.encode(database))?sslmode=\(sslMode.rawValue)"
    }

    /// Same as `description`: no password.
    public var debugDescription: String { description }

    /// Every part but the password, which shows as `<hidden>` (or `nil`).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "user": user, "password": password == nil ? "nil" : "<hidden>", "host": host, "port": port,
                "database": database, "sslMode": sslMode, "applicationName": applicationName ?? "nil",
            ],
            displayStyle: .struct)
    }

    /// Percent-encodes what would break the URL's structure when printed back.
    static func encode(_ part: String) -> String {
        var out = ""
        for byte in part.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
