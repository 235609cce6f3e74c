/// Why a text was not accepted as a phone number.
///
/// Cases follow libphonenumber's parse errors plus `is_valid_number`, split
/// further where a CSV user benefits (empty cells, Excel-mangled numbers).
public enum PhoneRejection: Error, Sendable, Equatable {
    /// The text is empty or only whitespace.
    case empty
    /// The text looks like a spreadsheet's scientific notation ("4.47E+11"): digits were lost.
    case spreadsheetMangled
    /// The text is not a phone number at all (letters, symbols, fewer than 3 digits).
    case notANumber
    /// The number starts with `+` or an international prefix but the calling code does not exist.
    case invalidCountryCode
    /// The number has no `+` / international prefix and no (known) default region was given.
    case missingRegion
    /// Fewer digits than the region's shortest number.
    case tooShort(PhoneLengthDetail)
    /// More digits than the region's longest number (or than any phone number).
    case tooLong(PhoneLengthDetail)
    /// A possible length, but outside the region's number ranges.
    case invalidForRegion(region: String)

    /// Stable snake_case code for summaries, e.g. "too_short".
    public var code: String {
        switch self {
        case .empty: "empty"
        case .spreadsheetMangled: "spreadsheet_mangled"
        case .notANumber: "not_a_number"
        case .invalidCountryCode: "invalid_country_code"
        case .missingRegion: "missing_region"
        case .tooShort: "too_short"
        case .tooLong: "too_long"
        case .invalidForRegion: "invalid_for_region"
        }
    }

    /// One human sentence, e.g. "too short for AO (+244): 8 digits, expects 9".
    public var reason: String {
        switch self {
        case .empty:
            "empty phone number"
        case .spreadsheetMangled:
            "number was mangled into scientific notation by a spreadsheet (e.g. 4.47E+11); digits are lost"
        case .notANumber:
            "not a phone number"
        case .invalidCountryCode:
            "unknown country calling code"
        case .missingRegion:
            "no country code (+...) and no known default region to assume"
        case .tooShort(let detail):
            "too short" + detail.sentenceSuffix
        case .tooLong(let detail):
            "too long" + detail.sentenceSuffix
        case .invalidForRegion(let region):
            "not a valid number for " + PhoneLengthDetail.regionLabel(region)
                + ": the length is right but the digits are outside its number ranges"
        }
    }
}

/// Length context of a `tooShort` / `tooLong` rejection.
public struct PhoneLengthDetail: Sendable, Equatable {
    /// Region checked against ("AO", "001" for non-geographic), nil when not known yet.
    public let region: String?
    /// National significant digits found.
    public let digits: Int
    /// Possible national number lengths of `region`, ascending; empty when not known.
    public let expectedLengths: [Int]

    /// Creates a detail record.
    public init(region: String?, digits: Int, expectedLengths: [Int]) {
        self.region = region
        self.digits = digits
        self.expectedLengths = expectedLengths
    }

    /// " for AO (+244): 8 digits, expects 9" (or just ": 1 digit").
    var sentenceSuffix: String {
        var text = region.map { " for " + Self.regionLabel($0) } ?? ""
        text += ": \(digits) digit" + (digits == 1 ? "" : "s")
        if !expectedLengths.isEmpty {
            text += ", expects " + expectedLengths.map(String.init).joined(separator: " or ")
        }
        return text
    }

    /// "AO (+244)" for a region code, the code alone when unknown.
    static func regionLabel(_ region: String) -> String {
        let metadata = PhoneMetadata.shared
        guard let index = metadata.regionIndex(alpha2: region.utf8) else { return region }
        return region + " (+\(metadata.regions[index].callingCode))"
    }
}
