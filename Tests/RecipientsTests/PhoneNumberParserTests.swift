import Recipients
import Testing

/// Named examples across regions and rejection classes.
@Suite struct PhoneNumberParserTests {
    let parser = PhoneNumberParser()

    func e164(_ text: String, _ region: String?) -> String? {
        try? parser.parse(text, defaultRegion: region).get().string
    }

    func rejection(_ text: String, _ region: String?) -> PhoneRejection? {
        if case .failure(let rejection) = parser.parse(text, defaultRegion: region) { return rejection }
        return nil
    }

    @Test(arguments: [
        ("+244923456789", "AO", "+244923456789"),
        ("923456789", "AO", "+244923456789"),
        ("+244 923 456 789", "AO", "+244923456789"),
        ("00244923456789", "AO", "+244923456789"),
        ("923-456-789", "AO", "+244923456789"),
        ("244923456789", "AO", "+244923456789"),
        ("912 345 678", "PT", "+351912345678"),
        ("+351 21 123 4567", nil, "+351211234567"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("1-201-555-0123", "US", "+12015550123"),
        ("011 44 20 7031 3000", "US", "+442070313000"),
        ("020 7031 3000", "GB", "+442070313000"),
        ("+44 (0) 20 7031 3000", nil, "+442070313000"),
        ("07911 123456", "GB", "+447911123456"),
        ("030 123456", "DE", "+4930123456"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06 6982 0000", "IT", "+390669820000"),
        ("+39 312 345 6789", "IT", "+393123456789"),
        ("098765 43210", "IN", "+919876543210"),
        ("0803 123 4567", "NG", "+2348031234567"),
        ("071 123 4567", "ZA", "+27711234567"),
        ("011 15 2345-6789", "AR", "+5491123456789"),
        ("(11) 91234-5678", "BR", "+5511912345678"),
        ("8 (912) 345-67-89", "RU", "+79123456789"),
        ("810 44 20 7031 3000", "RU", "+442070313000"),
        ("131 2345 6789", "CN", "+8613123456789"),
        ("090-1234-5678", "JP", "+819012345678"),
        ("0412 345 678", "AU", "+61412345678"),
        ("+1 613 555 0123", nil, "+16135550123"),
        ("+1 441 234 5678", nil, "+14412345678"),
        ("07781 123456", "GG", "+447781123456"),
        ("+800 1234 5678", nil, "+80012345678"),
        ("tel:20 7031 3000;phone-context=+44", nil, "+442070313000"),
        ("1-800-FLOWERS", "US", "+18003569377"),
        ("+39 06 6982 0000 доб 12", nil, "+390669820000"),
        ("+52 55 1234 5678", nil, "+525512345678"),
        ("+244 923 456 789 ext. 12", "AO", "+244923456789"),
        ("\u{FF0B}244\u{00A0}923456789", "AO", "+244923456789"),
    ])
    func acceptsNamedExamples(text: String, region: String?, expected: String) {
        #expect(e164(text, region) == expected)
    }

    @Test func rejectsWithReasons() throws {
        #expect(rejection("", "AO") == .empty)
        #expect(rejection("   ", "AO") == .empty)
        #expect(rejection("4.47E+11", "AO") == .spreadsheetMangled)
        #expect(rejection("2.44923E+11", "AO") == .spreadsheetMangled)
        #expect(rejection("n/a", "AO") == .notANumber)
        #expect(rejection("923456789", nil) == .missingRegion)
        #expect(rejection("923456789", "ZZ") == .missingRegion)
        #expect(rejection("+999 123456789", "AO") == .invalidCountryCode)
        #expect(rejection("+244 111 222 333", nil) == .invalidForRegion(region: "AO"))
        #expect(rejection("+52 1 55 1234 5678", nil)?.code == "too_long")
        #expect(rejection("1-800-FLO\nWERS", "US") != nil)  // a line feed disables vanity letters  // Mexico's old mobile "1" is gone
        let short = try #require(rejection("92345678", "AO"))
        #expect(short.code == "too_short")
        #expect(short.reason == "too short for AO (+244): 8 digits, expects 9")
        let long = try #require(rejection("9234567890", "AO"))
        #expect(long.code == "too_long")
        #expect(rejection(String(repeating: "1", count: 300), "AO")?.code == "too_long")
    }

    @Test func knowsRegions() {
        #expect(parser.isKnownRegion("AO"))
        #expect(parser.isKnownRegion("pt"))
        #expect(!parser.isKnownRegion("ZZ"))
        #expect(!parser.isKnownRegion("001"))
        #expect(parser.callingCode(forRegion: "ao") == 244)
        #expect(PhoneNumberParser.metadataVersion == "9.0.43")
    }

    @Test func utf8OverloadMatchesStringOverload() {
        for text in ["+244 923 456 789", "923456789", "bad", "\u{FF11}\u{FF12}"] {
            let viaBytes = Array(text.utf8).withUnsafeBufferPointer { parser.parse(utf8: $0, defaultRegion: "AO") }
            #expect(viaBytes == parser.parse(text, defaultRegion: "AO"))
        }
    }
}
