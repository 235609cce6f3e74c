/// The parsing and validation data of one region (or one non-geographic calling code).
///
/// Mirrors the parts of libphonenumber's `PhoneMetadata` that `parse` and
/// `is_valid_number` read; the number-type patterns are pre-compiled into the
/// region's DFA inside `PhoneMetadata.transitions`.
struct PhoneRegionMetadata: Sendable {
    /// ISO 3166 alpha-2 code, or "001" for a non-geographic entity.
    let id: String
    /// Country calling code, e.g. 244.
    let callingCode: Int
    /// Decimal text of `callingCode`, as digit values.
    let callingCodeDigits: [UInt8]
    /// The international (IDD) prefix, e.g. `00` or `011`.
    let internationalPrefix: PatternProgram?
    /// The national (trunk) prefix as dialled, e.g. "0" ("" when none); for formatting.
    let nationalPrefix: String
    /// The national prefix for parsing (trunk prefix / carrier code), with capture groups.
    let nationalPrefixForParsing: PatternProgram?
    /// Transform rule applied when the last group of the prefix captured, e.g. `9\1` (ASCII).
    let nationalPrefixTransformRule: [UInt8]
    /// Bit `n` set when a national number of length `n` is possible.
    let possibleLengths: UInt32
    /// Bit `n` set when length `n` is only possible for local dialling.
    let localOnlyLengths: UInt32
    /// Leading-digits pattern choosing this region among those sharing the calling code.
    let leadingDigits: PatternProgram?
    /// Index of this region's DFA start state in `PhoneMetadata.transitions`.
    let dfaStart: Int32

    /// Shortest possible national number length.
    var minimumLength: Int { possibleLengths.trailingZeroBitCount }
    /// Longest possible national number length.
    var maximumLength: Int { 31 - possibleLengths.leadingZeroBitCount }
}

/// Outcome of libphonenumber's `_test_number_length` for the general description.
enum PhoneLengthCheck: Equatable {
    case possible, possibleLocalOnly, tooShort, tooLong, invalidLength
}

extension PhoneRegionMetadata {
    /// Classifies `length` against the region's possible lengths, like `_test_number_length`.
    func checkLength(_ length: Int) -> PhoneLengthCheck {
        if length < 32, (localOnlyLengths >> UInt32(length)) & 1 == 1 { return .possibleLocalOnly }
        if length == minimumLength { return .possible }
        if length < minimumLength { return .tooShort }
        if length > maximumLength { return .tooLong }
        return (possibleLengths >> UInt32(length)) & 1 == 1 ? .possible : .invalidLength
    }
}
