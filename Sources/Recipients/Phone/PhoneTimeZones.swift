/// libphonenumber's time-zone metadata (prefix → IANA zones), decoded once, at first use.
///
/// Generated with the number metadata from the same phonenumbers release (`timezone` module's data):
/// the zones of a number are those of the longest prefix of its E.164 digits that has an entry.
final class PhoneTimeZones: Sendable {
    /// The embedded data, decoded lazily (thread-safe) at first use: parsing numbers never pays for it.
    static let shared = PhoneTimeZones()

    /// libphonenumber's answer when nothing is known: `["Etc/Unknown"]`.
    static let unknown = "Etc/Unknown"

    /// Longest prefix with an entry (digits).
    let longestPrefix: Int
    /// The distinct zone lists, in phonenumbers' order within each list.
    let zoneSets: [[String]]
    /// Zone list index by prefix key (`value << 5 | digit count`).
    let setByPrefix: [UInt64: Int]
    /// Calling codes whose mobile numbers have a geographical prefix (libphonenumber's GEO_MOBILE_COUNTRIES).
    let geographicalMobileCodes: Set<Int>

    private init() {
        var reader = PackedReader(bytes: PackedBase64.decode(PhoneMetadata.timeZonePackedBase64))
        longestPrefix = reader.u8()
        let zones = (0..<reader.u16()).map { _ in reader.text() }
        zoneSets = (0..<reader.u16()).map { _ in (0..<reader.u8()).map { _ in zones[reader.u16()] } }
        var byPrefix: [UInt64: Int] = [:]
        for _ in 0..<reader.u16() {
            let prefix = reader.text()
            byPrefix[Self.key(prefix.utf8.map { $0 - 48 })] = reader.u16()
        }
        setByPrefix = byPrefix
        geographicalMobileCodes = Set((0..<reader.u8()).map { _ in reader.u16() })
    }

    /// The key of a digit string (at most 12 digits).
    static func key(_ digits: some Collection<UInt8>) -> UInt64 {
        var value: UInt64 = 0
        for digit in digits { value = value &* 10 &+ UInt64(digit) }
        return value << 5 | UInt64(digits.count)
    }

    /// The zones of the longest prefix of `digits` (at most `longestPrefix` of them) with an entry;
    /// `prefixLengths` restricts which lengths are tried (longest first), as phonenumbers does.
    func zones(digits: [UInt8], prefixLengths: [Int]) -> [String] {
        for length in prefixLengths where length <= digits.count {
            if let set = setByPrefix[Self.key(digits[0..<length])] { return zoneSets[set] }
        }
        return [Self.unknown]
    }
}
