/// A valid phone number in E.164, stored as its digits (country code + national number) in one integer.
///
/// E.164 numbers never start with 0, so the integer is lossless; 8 bytes make
/// recipient sets and dedup cheap. Ordering is numeric (not textual).
public struct E164Number: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Country calling code followed by the national significant number, e.g. 244923456789.
    public let digits: UInt64

    /// Largest number of digits accepted (19 always fits in a `UInt64`).
    static let maximumDigitCount = 19

    /// Wraps already-validated digits (used by the parser).
    init(validatedDigits: UInt64) {
        self.digits = validatedDigits
    }

    /// Parses strict E.164 syntax: `+`, then 2...19 ASCII digits, the first not 0.
    ///
    /// Syntax only: use `PhoneNumberParser` to check that the number is valid for its region.
    public init?(_ text: String) {
        var value: UInt64 = 0
        var count = 0
        var sawPlus = false
        for byte in text.utf8 {
            if !sawPlus {
                guard byte == UInt8(ascii: "+") else { return nil }
                sawPlus = true
                continue
            }
            let digit = byte &- 48
            guard digit < 10, !(count == 0 && digit == 0), count < Self.maximumDigitCount else { return nil }
            value = value * 10 + UInt64(digit)
            count += 1
        }
        guard count >= 2 else { return nil }
        self.digits = value
    }

    /// The number as `+` and digits, e.g. "+244923456789".
    public var string: String { "+" + String(digits) }

    /// Same as `string`.
    public var description: String { string }

    /// Numeric order of the digits.
    public static func < (lhs: E164Number, rhs: E164Number) -> Bool { lhs.digits < rhs.digits }
}
