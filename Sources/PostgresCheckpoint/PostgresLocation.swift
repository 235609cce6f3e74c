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

    /// The default PostgreSQL port.
    public static let defaultPort = 5432

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
                "database": database, "sslMode": sslMode,
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
