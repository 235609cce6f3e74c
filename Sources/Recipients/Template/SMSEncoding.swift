/// The character encoding an SMS is sent in.
///
/// GSM-7 packs 160 characters in one message; one character outside it switches the whole message to UCS-2
/// (70 per message), which is why the first offending character is reported.
public enum SMSEncoding: String, Sendable {
    /// GSM 03.38 7-bit default alphabet.
    case gsm7 = "GSM-7"
    /// UCS-2 / UTF-16 code units.
    case ucs2 = "UCS-2"
}

/// Encoding, length and segment count of a message text, as a carrier will bill it.
///
/// Segments are counted by packing: an escape pair (GSM-7 extension character) or a surrogate pair
/// (UCS-2 emoji) is never split across two segments, as real SMS encoders do, so a long message can
/// need one segment more than `ceil(units / 153)` (or `/ 67`). Text is not Unicode-normalised: a decomposed
/// "é" (e + U+0301) is UCS-2.
public struct SMSAnalysis: Sendable, Equatable {
    /// GSM-7 or UCS-2.
    public var encoding: SMSEncoding
    /// GSM-7 septets (extension characters `^{}\[~]|€` and form feed count 2) or UTF-16 code units.
    public var units: Int
    /// Messages billed: 0 for empty text; 1 up to 160 septets / 70 units; else segments of 153 / 67.
    public var segments: Int
    /// The first character that forces UCS-2 (`nil` for GSM-7).
    public var firstNonGSMCharacter: Character?

    /// Single-message and per-segment capacities (units).
    public static let gsm7Single = 160, gsm7Segment = 153, ucs2Single = 70, ucs2Segment = 67

    /// Analyses `text`.
    public init(_ text: String) {
        if let ascii = Self.asciiGSM7(text) {
            self = ascii
            return
        }
        var septets = 0
        var gsmSegments = 1, used = 0
        var badScalar: Unicode.Scalar?
        for scalar in text.unicodeScalars {
            guard let cost = GSM7Alphabet.septets(scalar) else {
                badScalar = scalar
                break
            }
            septets += cost
            if used + cost > Self.gsm7Segment {
                gsmSegments += 1
                used = 0
            }
            used += cost
        }
        guard let badScalar else {
            encoding = .gsm7
            units = septets
            segments = septets == 0 ? 0 : septets <= Self.gsm7Single ? 1 : gsmSegments
            firstNonGSMCharacter = nil
            return
        }
        encoding = .ucs2
        firstNonGSMCharacter = text.first { $0.unicodeScalars.contains(badScalar) }
        var codeUnits = 0
        var ucsSegments = 1
        used = 0
        for scalar in text.unicodeScalars {
            let cost = scalar.utf16.count
            codeUnits += cost
            if used + cost > Self.ucs2Segment {
                ucsSegments += 1
                used = 0
            }
            used += cost
        }
        units = codeUnits
        segments = codeUnits <= Self.ucs2Single ? 1 : ucsSegments
    }

    /// Fast path for all-ASCII GSM-7 text (the common case, run once per personalised message): bit masks
    /// instead of per-scalar decoding. `nil` when the text has non-ASCII or non-GSM characters.
    private static func asciiGSM7(_ text: String) -> SMSAnalysis? {
        // Bit b set = ASCII byte b (low: 0-63, high: 64-127) is not GSM-7 / is an extension character.
        let invalidLow: UInt64 = 0xFFFF_CBFF, invalidHigh: UInt64 = 0x8000_0001_0000_0000
        let extensionLow: UInt64 = 0x1000, extensionHigh: UInt64 = 0x7800_0000_7800_0000
        var septets = 0, segments = 1, used = 0
        var contiguous = text  // withUTF8 gives a raw buffer (no copy for native strings)
        let allGSM = contiguous.withUTF8 { bytes -> Bool in
            for byte in bytes {
                if byte >= 0x80 { return false }
                let bit = UInt64(1) << UInt64(byte & 63)
                let (invalid, escaped) = byte < 64 ? (invalidLow, extensionLow) : (invalidHigh, extensionHigh)
                if invalid & bit != 0 { return false }
                let cost = escaped & bit != 0 ? 2 : 1
                septets += cost
                if used + cost > gsm7Segment {
                    segments += 1
                    used = 0
                }
                used += cost
            }
            return true
        }
        guard allGSM else { return nil }
        return SMSAnalysis(encoding: .gsm7, units: septets,
                           segments: septets == 0 ? 0 : septets <= gsm7Single ? 1 : segments, first: nil)
    }

    private init(encoding: SMSEncoding, units: Int, segments: Int, first: Character?) {
        self.encoding = encoding
        self.units = units
        self.segments = segments
        firstNonGSMCharacter = first
    }
}
