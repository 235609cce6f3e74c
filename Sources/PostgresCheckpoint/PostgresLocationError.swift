/// Why a `postgres://` location could not be read. Its text names the part that is wrong and never
/// contains the URL itself (which may hold a password).
public struct PostgresLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// Neither `postgres://` nor `postgresql://`.
        case notPostgresURL
        /// No `user@` before the host.
        case missingUser
        /// Nothing between `@` and `/`.
        case missingHost
        /// An unbalanced `[` or a stray `:` in the host.
        case badHost
        /// A port that is not a number from 1 to 65535 (the text given, at most 12 characters).
        case badPort(String)
        /// No `/db` after the host.
        case missingDatabase
        /// A `/` inside the database name.
        case badDatabase
        /// A `%` not followed by two hex digits, or bytes that are not UTF-8, in `part`.
        case badPercentEncoding(part: String)
        /// `sslmode` other than `disable`, `prefer`, `require`.
        case unsupportedSSLMode(String)
        /// A query parameter other than `sslmode`.
        case unknownParameter(String)
    }

    /// What is wrong.
    public var reason: Reason

    /// Creates an error for `reason`.
    public init(_ reason: Reason) { self.reason = reason }

    /// One line for the operator.
    public var description: String {
        let format = "expected postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]"
        let what =
            switch reason {
            case .notPostgresURL: "not a postgres:// or postgresql:// URL"
            case .missingUser: "no user (user@host)"
            case .missingHost: "no host"
            case .badHost: "the host is malformed (an IPv6 address goes in brackets: [::1])"
            case .badPort(let text): "the port \"\(text)\" is not a number from 1 to 65535"
            case .missingDatabase: "no database (/database after the host)"
            case .badDatabase: "the database name contains \"/\""
            case .badPercentEncoding(let part): "the \(part) has a bad %-escape or is not UTF-8"
            case .unsupportedSSLMode(let mode): "sslmode \"\(mode)\" is not one of disable, prefer, require"
            case .unknownParameter(let name): "unknown parameter \"\(name)\" (only sslmode is understood)"
            }
        return "PostgreSQL state location: \(what); \(format)"
    }
}
