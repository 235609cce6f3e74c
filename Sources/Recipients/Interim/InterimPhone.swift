// Interim stand-in for the libphonenumber-grade validator (issue 3); same public API.
import Foundation

/// A valid phone number in E.164, stored as its digits.
public struct E164Number: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let digits: UInt64
    public init(digits: UInt64) { self.digits = digits }
    public init?(_ text: String) {
        guard text.first == "+", text.count >= 8, text.count <= 16, let d = UInt64(text.dropFirst()),
              text.dropFirst().allSatisfy(\.isASCII), text.dropFirst().first != "0" else { return nil }
        digits = d
    }
    public var string: String { "+\(digits)" }
    public var description: String { string }
    public static func < (a: Self, b: Self) -> Bool { a.digits < b.digits }
}

/// Why a cell is not a usable number.
public enum PhoneRejection: Error, Sendable, Equatable {
    case empty, spreadsheetMangled, notANumber, invalidCountryCode, tooShort, tooLong, missingRegion
    case invalidForRegion(region: String)
    public var code: String {
        switch self {
        case .empty: "empty"
        case .spreadsheetMangled: "spreadsheet_mangled"
        case .notANumber: "not_a_number"
        case .invalidCountryCode: "invalid_country_code"
        case .tooShort: "too_short"
        case .tooLong: "too_long"
        case .missingRegion: "missing_region"
        case .invalidForRegion: "invalid_for_region"
        }
    }
    public var reason: String {
        switch self {
        case .empty: "the phone cell is empty"
        case .spreadsheetMangled: "the number was mangled by a spreadsheet (scientific notation such as 4.47E+11)"
        case .notANumber: "not a phone number"
        case .invalidCountryCode: "unknown country calling code"
        case .tooShort: "too short"
        case .tooLong: "too long"
        case .missingRegion: "no country code and no default country (--country)"
        case .invalidForRegion(let r): "not a valid number for \(r)"
        }
    }
}

/// Parses phone cells into E.164.
public struct PhoneNumberParser: Sendable {
    static let codes: [String: (code: String, length: Int)] = [
        "AO": ("244", 9), "PT": ("351", 9), "BR": ("55", 11), "US": ("1", 10), "GB": ("44", 10), "MZ": ("258", 9),
        "CV": ("238", 7), "ST": ("239", 7), "FR": ("33", 9), "DE": ("49", 11), "ES": ("34", 9), "ZA": ("27", 9),
    ]
    public init() {}
    public func isKnownRegion(_ alpha2: String) -> Bool { Self.codes[alpha2.uppercased()] != nil }
    public func parse(_ text: String, defaultRegion: String?) -> Result<E164Number, PhoneRejection> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .failure(.empty) }
        if trimmed.contains("E+") || trimmed.contains("e+") { return .failure(.spreadsheetMangled) }
        var digits = ""
        var plus = false
        for ch in trimmed {
            if ch.isASCII, ch.isNumber { digits.append(ch) }
            else if ch == "+" && digits.isEmpty && !plus { plus = true }
            else if " -.()/".contains(ch) { continue }
            else { return .failure(.notANumber) }
        }
        if !plus, digits.hasPrefix("00") { digits.removeFirst(2); plus = true }
        if plus {
            guard digits.count >= 8 else { return .failure(.tooShort) }
            guard digits.count <= 15 else { return .failure(.tooLong) }
            if let entry = Self.codes.values.first(where: { digits.hasPrefix($0.code) }) {
                let national = digits.count - entry.code.count
                if national < entry.length { return .failure(.tooShort) }
                if national > entry.length { return .failure(.tooLong) }
            }
            return .success(E164Number(digits: UInt64(digits)!))
        }
        guard let region = defaultRegion?.uppercased() else { return .failure(.missingRegion) }
        guard let entry = Self.codes[region] else { return .failure(.invalidForRegion(region: region)) }
        if digits.hasPrefix("0") { digits.removeFirst() }
        if digits.count < entry.length { return .failure(.tooShort) }
        if digits.count > entry.length { return .failure(.tooLong) }
        return .success(E164Number(digits: UInt64(entry.code + digits)!))
    }
}
