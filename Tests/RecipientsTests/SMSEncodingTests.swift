import Testing
@testable import Recipients

@Suite("SMS encoding")
struct SMSEncodingTests {
    @Test func emptyText() {
        #expect(SMSAnalysis("") == SMSAnalysis(expected: .gsm7, units: 0, segments: 0, first: nil))
    }

    @Test func gsm7Basic() {
        let analysis = SMSAnalysis("Olá! Código: 123 @£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n")
        #expect(analysis.encoding == .ucs2)  // á and ó are not GSM-7
        #expect(analysis.firstNonGSMCharacter == "á")
        let text = "Ola! Codigo: 123 @£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n"
        let gsm = SMSAnalysis(text)
        #expect(gsm.encoding == .gsm7)
        #expect(gsm.firstNonGSMCharacter == nil)
        #expect(gsm.units == text.unicodeScalars.count)
    }

    @Test func extensionCharactersCountTwo() {
        #expect(SMSAnalysis("^{}\\[~]|€").units == 18)
        #expect(SMSAnalysis("\u{0C}").units == 2)
        #expect(SMSAnalysis("a€").encoding == .gsm7)
    }

    @Test func nonGSMCharacters() {
        #expect(SMSAnalysis("price `5`").firstNonGSMCharacter == "`")
        #expect(SMSAnalysis("a\tb").encoding == .ucs2)
        #expect(SMSAnalysis("no\u{00A0}break").firstNonGSMCharacter == "\u{00A0}")
        #expect(SMSAnalysis("Olá 🇦🇴").firstNonGSMCharacter == "á")
    }

    @Test func gsm7SegmentBoundaries() {
        #expect(SMSAnalysis(String(repeating: "a", count: 160)).segments == 1)
        #expect(SMSAnalysis(String(repeating: "a", count: 161)).segments == 2)
        #expect(SMSAnalysis(String(repeating: "a", count: 306)).segments == 2)
        #expect(SMSAnalysis(String(repeating: "a", count: 307)).segments == 3)
        #expect(SMSAnalysis(String(repeating: "€", count: 80)).units == 160)
        #expect(SMSAnalysis(String(repeating: "€", count: 80)).segments == 1)
    }

    @Test func escapeIsNeverSplitAcrossSegments() {
        // 152 + "€"(2) + 152 = 306 septets = 2 × 153, but ESC+code cannot straddle segments 1 and 2, so "€"
        // moves whole to segment 2 (152 | 2+151 | 1): 3 segments.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152)
        let analysis = SMSAnalysis(text)
        #expect(analysis.units == 306)
        #expect(analysis.segments == 3)
        #expect(SMSAnalysis(String(repeating: "a", count: 151) + "€" + String(repeating: "a", count: 153)).segments == 2)
    }

    @Test func ucs2SegmentBoundaries() {
        #expect(SMSAnalysis(String(repeating: "я", count: 70)) == SMSAnalysis(expected: .ucs2, units: 70, segments: 1, first: "я"))
        #expect(SMSAnalysis(String(repeating: "я", count: 71)).segments == 2)
        #expect(SMSAnalysis(String(repeating: "я", count: 134)).segments == 2)
        #expect(SMSAnalysis(String(repeating: "я", count: 135)).segments == 3)
    }

    @Test func emojiAreTwoUnitsAndNotSplit() {
        #expect(SMSAnalysis("😀").units == 2)
        #expect(SMSAnalysis("😀").encoding == .ucs2)
        #expect(SMSAnalysis(String(repeating: "😀", count: 35)).segments == 1)  // 70 units
        // 66 + 2 + 66 = 134 units = 2 × 67, but the surrogate pair moves whole to segment 2 (66 | 2+65 | 1).
        let split = "я" + String(repeating: "a", count: 65) + "😀" + String(repeating: "a", count: 66)
        #expect(SMSAnalysis(split).units == 134)
        #expect(SMSAnalysis(split).segments == 3)
    }
}

private extension SMSAnalysis {
    init(expected encoding: SMSEncoding, units: Int, segments: Int, first: Character?) {
        self.init("")
        self.encoding = encoding
        self.units = units
        self.segments = segments
        self.firstNonGSMCharacter = first
    }
}

@Suite("SMS encoding: ASCII fast path agrees with the general path")
struct SMSAsciiFastPathTests {
    @Test func everyASCIICharacterAlone() {
        for value in 0..<128 {
            let scalar = Unicode.Scalar(UInt8(value))
            let analysis = SMSAnalysis(String(Character(scalar)) + "é")  // é is GSM-7 but not ASCII: general path
            let fast = SMSAnalysis(String(Character(scalar)))
            let expected = GSM7Alphabet.septets(scalar)
            #expect(fast.encoding == (expected == nil ? .ucs2 : .gsm7), "U+\(value)")
            if let expected {
                #expect(fast.units == expected)
                #expect(analysis.units == expected + 1)
            } else {
                #expect(fast.firstNonGSMCharacter == Character(scalar))
            }
        }
    }

    @Test func longMixedText() {
        let text = String(repeating: "ab{c", count: 60)  // 300 septets with escapes
        let general = SMSAnalysis(text + "é")
        let fast = SMSAnalysis(text)
        #expect(fast.units == 300)
        #expect(general.units == 301)
        #expect(fast.segments == 2)
    }
}
