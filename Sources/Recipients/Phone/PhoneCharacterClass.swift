/// Maps input characters onto the one-byte codes the phone scanner works on.
///
/// ASCII characters keep their own byte (Unicode decimal digits become ASCII
/// digits, the full-width plus becomes `+`), so the libphonenumber rules can be
/// written over plain bytes; the remaining non-ASCII characters fold into a few
/// classes that are all the rules distinguish.
enum PhoneCharacterClass {
    /// A non-ASCII character from libphonenumber's VALID_PUNCTUATION (dashes, ideographic space...).
    static let unicodePunctuation: UInt8 = 0x80
    /// U+00A0 NO-BREAK SPACE: punctuation, and a separator before an extension label.
    static let noBreakSpace: UInt8 = 0x81
    /// Any other non-ASCII letter or number (a `\w` character in Python terms).
    static let otherWord: UInt8 = 0x82
    /// Any other non-ASCII character.
    static let other: UInt8 = 0x83

    // Characters of non-ASCII extension labels (case-folded), >= `fullwidthE`.
    /// ｅ / Ｅ (a `\w` character).
    static let fullwidthE: UInt8 = 0xA1
    /// ｘ / Ｘ (a `\w` character).
    static let fullwidthX: UInt8 = 0xA2
    /// ｔ / Ｔ (a `\w` character).
    static let fullwidthT: UInt8 = 0xA3
    /// ｎ / Ｎ (a `\w` character).
    static let fullwidthN: UInt8 = 0xA4
    /// ｉ / Ｉ (a `\w` character).
    static let fullwidthI: UInt8 = 0xA5
    /// ＃ (not `\w`).
    static let fullwidthHash: UInt8 = 0xA6
    /// ～ (punctuation).
    static let fullwidthTilde: UInt8 = 0xA7
    /// д / Д (a `\w` character).
    static let cyrillicDe: UInt8 = 0xA8
    /// о / О (a `\w` character).
    static let cyrillicO: UInt8 = 0xA9
    /// б / Б (a `\w` character).
    static let cyrillicBe: UInt8 = 0xAA
    /// ó / Ó (a `\w` character).
    static let oAcute: UInt8 = 0xAB
    /// U+0301 COMBINING ACUTE ACCENT (not `\w`).
    static let combiningAcute: UInt8 = 0xAC
    /// ． FULLWIDTH FULL STOP (punctuation).
    static let fullwidthFullStop: UInt8 = 0xAD

    /// Code for a non-ASCII scalar.
    static func code(for scalar: Unicode.Scalar) -> UInt8 {
        let value = scalar.value
        switch value {
        case 0xFF45, 0xFF25: return fullwidthE
        case 0xFF58, 0xFF38: return fullwidthX
        case 0xFF54, 0xFF34: return fullwidthT
        case 0xFF4E, 0xFF2E: return fullwidthN
        case 0xFF49, 0xFF29: return fullwidthI
        case 0xFF03: return fullwidthHash
        case 0xFF5E: return fullwidthTilde
        case 0x0434, 0x0414: return cyrillicDe
        case 0x043E, 0x041E: return cyrillicO
        case 0x0431, 0x0411: return cyrillicBe
        case 0x00F3, 0x00D3: return oAcute
        case 0x0301: return combiningAcute
        case 0xFF0E: return fullwidthFullStop
        case 0xA0: return noBreakSpace
        case 0xFF0B: return UInt8(ascii: "+")
        case 0xFF10...0xFF19: return nonASCIIDigitBase + UInt8(value - 0xFF10)
        case 0x0660...0x0669: return nonASCIIDigitBase + UInt8(value - 0x0660)
        case 0x06F0...0x06F9: return nonASCIIDigitBase + UInt8(value - 0x06F0)
        case 0x2010...0x2015, 0x2212, 0x30FC, 0xFF0D...0xFF0F, 0xAD, 0x200B, 0x2060, 0x3000,
             0xFF08, 0xFF09, 0xFF3B, 0xFF3D, 0x2053, 0x223C:
            return unicodePunctuation
        default:
            let properties = scalar.properties
            if properties.numericType == .decimal, let digit = properties.numericValue {
                return UInt8(Int(nonASCIIDigitBase) + Int(digit))
            }
            if properties.isAlphabetic || properties.numericType != nil { return otherWord }
            return other
        }
    }

    /// Code of a non-ASCII decimal digit 0 (full-width, Arabic-Indic...); digits 0...9 follow.
    ///
    /// Kept apart from ASCII digits because vanity-letter normalisation drops them
    /// (python-phonenumbers maps only ASCII digits in that mode).
    static let nonASCIIDigitBase: UInt8 = 0x90

    /// True for decimal digits (ASCII or not).
    @inline(__always) static func isDigit(_ code: UInt8) -> Bool {
        code &- 48 < 10 || code &- nonASCIIDigitBase < 10
    }

    /// True for ASCII digits only.
    @inline(__always) static func isASCIIDigit(_ code: UInt8) -> Bool { code &- 48 < 10 }

    /// Value 0...9 of a code for which `isDigit` is true.
    @inline(__always) static func digitValue(_ code: UInt8) -> UInt8 { code & 0x0F }

    /// True for ASCII letters.
    @inline(__always) static func isLetter(_ code: UInt8) -> Bool { (code | 0x20) &- 97 < 26 }

    /// True for libphonenumber's VALID_PUNCTUATION (matched case-insensitively, so `X` counts).
    static func isPunctuation(_ code: UInt8) -> Bool {
        switch code {
        case UInt8(ascii: "-"), UInt8(ascii: "x"), UInt8(ascii: "X"), UInt8(ascii: " "),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "/"), UInt8(ascii: "~"), unicodePunctuation, noBreakSpace,
             fullwidthTilde, fullwidthFullStop:
            return true
        default:
            return false
        }
    }

    /// True for characters Python's `\w` matches, excluding `_`.
    static func isWordNotUnderscore(_ code: UInt8) -> Bool {
        switch code {
        case otherWord, fullwidthE...fullwidthI, cyrillicDe...oAcute: true
        default: isDigit(code) || isLetter(code)
        }
    }

    /// Telephone keypad digit for an ASCII letter (ITU E.161).
    static func keypadDigit(_ letter: UInt8) -> UInt8 {
        let index = Int((letter | 0x20) - 97)
        return keypad[index]
    }

    private static let keypad: [UInt8] = [2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9]

    /// Decodes one UTF-8 scalar at `index`; nil scalar for invalid sequences (length 1).
    static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar?, Int) {
        let lead = bytes[index]
        let length: Int, initial: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; initial = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; initial = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; initial = UInt32(lead & 0x07)
        default: return (nil, 1)
        }
        guard index + length <= bytes.count else { return (nil, 1) }
        var value = initial
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return (Unicode.Scalar(value), length)
    }
}
