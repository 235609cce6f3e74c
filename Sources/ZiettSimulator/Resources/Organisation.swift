/// The fixed organisation every simulated key belongs to, and the carrier routing of numbers.
enum Organisation {
    static let id = "0190f0aa-0000-7000-8000-000000000001"
    static let billingAccountID = "0190f0aa-0000-7000-8000-000000000002"
    static let remitterName = "SIMULATOR"

    /// `channel_destination` and `provider_name` for a number, the way the docs' examples name them.
    static func route(_ e164: String?) -> (destination: String?, provider: String?) {
        guard let e164 else { return (nil, nil) }
        guard e164.hasPrefix("+244") else { return ("INTERNATIONAL", "INTERNATIONAL_GATEWAY") }
        switch e164.dropFirst(4).prefix(2) {
        case "92", "93", "94": return ("UNITEL", "UNITEL_DIRECT")
        case "95": return ("AFRICELL_AO", "AFRICELL_DIRECT")
        case "91", "99": return ("MOVICEL", "MOVICEL_DIRECT")
        default: return ("UNITEL", "UNITEL_DIRECT")
        }
    }
}
