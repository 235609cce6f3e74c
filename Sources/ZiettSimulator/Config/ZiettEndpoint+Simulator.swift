import ZiettAPI

extension ZiettEndpoint {
    /// The rate-limit bucket the simulator counts a request in: each POST has its own, every GET shares
    /// `GET /*` (unless `separateListMessages` gives `GET /messages` its own, as one doc page suggests).
    func bucket(separateListMessages: Bool) -> String {
        if separateListMessages && self == .listMessages { return rawValue }
        return pacingBucket.rawValue
    }

    /// Both spellings of a scope in the docs map to one canonical form (`messages:send`, `campaigns:read`).
    static func canonicalScope(_ scope: String) -> String {
        var s = Substring(scope.lowercased())
        if s.hasPrefix("apikey:") { s = s.dropFirst("apikey:".count) }
        if s.hasPrefix("campaign:") { return "campaigns:" + s.dropFirst("campaign:".count) }
        return String(s)
    }
}
