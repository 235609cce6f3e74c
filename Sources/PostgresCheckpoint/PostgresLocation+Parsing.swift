extension PostgresLocation {
    /// Parses `text` (`postgres://user[:password]@host[:port]/db[?sslmode=…]`); the password falls back to
    /// `PGPASSWORD` in `environment`. Throws `PostgresLocationError` naming the part that is wrong, never
    /// echoing the text (it may hold a password).
    public init(parsing text: String, environment: [String: String]) throws(PostgresLocationError) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else if lower.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else {
            throw PostgresLocationError(.notPostgresURL)
        }

        // authority / database ? parameters
        let (beforeQuery, query) = Self.split(rest, at: "?")
        guard let slash = beforeQuery.firstIndex(of: "/") else { throw PostgresLocationError(.missingDatabase) }
        let authority = beforeQuery[..<slash]
        let path = beforeQuery[beforeQuery.index(after: slash)...]

        guard let at = authority.lastIndex(of: "@") else { throw PostgresLocationError(.missingUser) }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let (rawUser, rawPassword) = Self.split(userInfo, at: ":")
        let user = try Self.decode(rawUser, part: "user")
        guard !user.isEmpty else { throw PostgresLocationError(.missingUser) }
        var password = try rawPassword.map { raw throws(PostgresLocationError) in try Self.decode(raw, part: "password") }
        if password == nil { password = environment["PGPASSWORD"] }

        let (host, port) = try Self.hostAndPort(hostPort)

        let database = try Self.decode(path, part: "database")
        guard !database.isEmpty else { throw PostgresLocationError(.missingDatabase) }
        guard !database.contains("/") else { throw PostgresLocationError(.badDatabase) }

        var sslMode = SSLMode.disable
        if let query, !query.isEmpty {
            for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
                let (name, value) = Self.split(pair, at: "=")
                guard name == "sslmode" else { throw PostgresLocationError(.unknownParameter(String(name))) }
                guard let value, let mode = SSLMode(rawValue: String(value)) else {
                    throw PostgresLocationError(.unsupportedSSLMode(value.map(String.init) ?? ""))
                }
                sslMode = mode
            }
        }
        self.init(user: user, password: password, host: host, port: port, database: database, sslMode: sslMode)
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func hostAndPort(_ text: Substring) throws(PostgresLocationError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        // An IPv6 address has several colons and must be bracketed; a host has none.
        guard text.hasPrefix("[") || text.count(where: { $0 == ":" }) <= 1 else { throw PostgresLocationError(.badHost) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw PostgresLocationError(.badHost) }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresLocationError(.badHost) }
                portText = after.dropFirst()
            }
        } else {
            (host, portText) = split(text, at: ":")
        }
        let decodedHost = try decode(host, part: "host")
        guard !decodedHost.isEmpty else { throw PostgresLocationError(.missingHost) }
        guard let portText else { return (decodedHost, defaultPort) }
        guard portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), (1...65535).contains(port) else {
            throw PostgresLocationError(.badPort(String(portText.prefix(12))))
        }
        return (decodedHost, port)
    }

    /// The text before the first `separator`, and the text after it (nil without one).
    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }

    /// Percent-decodes one part (UTF-8).
    private static func decode(_ text: Substring, part: String) throws(PostgresLocationError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw PostgresLocationError(.badPercentEncoding(part: part))
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw PostgresLocationError(.badPercentEncoding(part: part)) }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
