/// What kind of line a valid number is, as libphonenumber's `number_type` says.
///
/// Raw values are libphonenumber's names in lower case (`validate --report`'s `"type"`, the state file,
/// `--number-types`). Only `mobile` and `fixed_line_or_mobile` are sure to receive SMS; the engine sends
/// to those by default (`NumberTypePolicy`).
public enum PhoneNumberType: String, Sendable, CaseIterable, Codable, Comparable {
    case fixedLine = "fixed_line"
    case mobile
    case fixedLineOrMobile = "fixed_line_or_mobile"
    case tollFree = "toll_free"
    case premiumRate = "premium_rate"
    case sharedCost = "shared_cost"
    case voip
    case personalNumber = "personal_number"
    case pager
    case uan
    case voicemail

    /// The code the generator stores in the DFA's flag bits 1-4 (`TYPE_CODES` in gen-phone-metadata.py).
    public var code: UInt8 {
        switch self {
        case .fixedLine: 1
        case .mobile: 2
        case .fixedLineOrMobile: 3
        case .tollFree: 4
        case .premiumRate: 5
        case .sharedCost: 6
        case .voip: 7
        case .personalNumber: 8
        case .pager: 9
        case .uan: 10
        case .voicemail: 11
        }
    }

    /// The type with generator code `code`; nil for 0 (unknown) or a code this version does not know.
    public init?(code: UInt8) {
        guard let found = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = found
    }

    /// A few words for reasons: "fixed-line number", "toll-free number".
    public var phrase: String {
        switch self {
        case .fixedLine: "fixed-line number"
        case .mobile: "mobile number"
        case .fixedLineOrMobile: "fixed-line or mobile number"
        case .tollFree: "toll-free number"
        case .premiumRate: "premium-rate number"
        case .sharedCost: "shared-cost number"
        case .voip: "VoIP number"
        case .personalNumber: "personal number"
        case .pager: "pager number"
        case .uan: "UAN (universal access) number"
        case .voicemail: "voicemail number"
        }
    }

    /// Declaration order (libphonenumber's), for stable listings.
    public static func < (lhs: PhoneNumberType, rhs: PhoneNumberType) -> Bool { lhs.code < rhs.code }
}
