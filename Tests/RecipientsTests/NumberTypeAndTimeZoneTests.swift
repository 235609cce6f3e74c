import Recipients
import Testing

/// Number types and time zones on the classifier's path: the default policy sends to mobile and
/// fixed_line_or_mobile only, other types are invalid with a reason naming the type (their E.164 and
/// type still known); a `timezone` cell overrides the number's zones and is checked.
@Suite("Number types and time zones")
struct NumberTypeAndTimeZoneTests {
    func record(_ fields: [String], line: Int = 2) -> CSVRecord {
        CSVRecord(line: line, dataRow: line - 1, fields: fields, problem: nil)
    }

    // Expectations from python phonenumbers 9.0.43 (number_type, timezone.time_zones_for_number).
    @Test func parseTypedGivesTheTypeTheCorpusAgreesOn() throws {
        let parser = PhoneNumberParser()
        #expect(try parser.parseTyped("923 456 789", defaultRegion: "AO").get().type == .mobile)
        #expect(try parser.parseTyped("222 123 456", defaultRegion: "AO").get().type == .fixedLine)
        #expect(try parser.parseTyped("+1 201 555 0123", defaultRegion: nil).get().type == .fixedLineOrMobile)
        #expect(try parser.parseTyped("+44 800 123 4567", defaultRegion: nil).get().type == .tollFree)
        #expect(try parser.parseTyped("+44 909 876 5432", defaultRegion: nil).get().type == .premiumRate)
        let number = try parser.parse("+244923456789", defaultRegion: nil).get()
        #expect(parser.numberType(of: number) == .mobile)
        #expect(parser.timeZones(of: number) == ["Africa/Luanda"])
        #expect(parser.timeZones(of: try parser.parse("+12015550123", defaultRegion: nil).get()) == ["America/New_York"])
    }

    @Test func theDefaultPolicySendsToMobilesOnlyAndNamesTheTypeItRefuses() throws {
        let classifier = try RecipientClassifier(header: ["phone"], phoneColumn: nil, defaultRegion: "AO", message: "Hi")
        let mobile = classifier.classify(record(["923456789"]))
        #expect(mobile.isValid && mobile.type == .mobile)
        let fixed = classifier.classify(record(["222123456"]))
        #expect(!fixed.isValid)
        #expect(fixed.e164?.string == "+244222123456")
        #expect(fixed.type == .fixedLine)
        #expect(fixed.reason == "fixed-line number: cannot receive SMS; --number-types to allow")
        #expect(fixed.reasonCode == "number_type")
        let allowing = try RecipientClassifier(
            header: ["phone"], phoneColumn: nil, defaultRegion: "AO", message: "Hi",
            policy: RecipientPolicy(numberTypes: [.mobile, .fixedLine]))
        #expect(allowing.classify(record(["222123456"])).isValid)
    }

    @Test func windowGroupsComeFromTheNumberOrTheTimezoneCell() throws {
        let policy = RecipientPolicy(resolvesTimeZones: true, isKnownTimeZone: { ["Europe/Lisbon", "Africa/Luanda"].contains($0) })
        let classifier = try RecipientClassifier(
            header: ["phone", "TimeZone"], phoneColumn: nil, defaultRegion: "AO", message: nil, policy: policy)
        #expect(classifier.classify(record(["923456789", ""])).windowGroup == "Africa/Luanda")
        #expect(classifier.classify(record(["923456789", " Europe/Lisbon "])).windowGroup == "Europe/Lisbon")
        let bad = classifier.classify(record(["923456789", "Mars/Base"], line: 7))
        #expect(!bad.isValid)
        #expect(bad.reasonCode == "timezone")
        #expect(bad.reason == #"line 7: column "TimeZone": "Mars/Base" is not an IANA time zone (e.g. Africa/Luanda)"#)
        // Without a window, no group (and the cell is not read).
        let plain = try RecipientClassifier(header: ["phone", "timezone"], phoneColumn: nil, defaultRegion: "AO", message: nil)
        #expect(plain.classify(record(["923456789", "Mars/Base"])).windowGroup == nil)
        #expect(plain.classify(record(["923456789", "Mars/Base"])).isValid)
    }

    /// Fail closed: a number whose zone cannot be placed (a satellite number: libphonenumber's
    /// Etc/Unknown) is invalid under a send window, naming why, never taken for UTC; a timezone cell sends it.
    @Test func aNumberWithNoKnownZoneIsInvalidUnderASendWindowUnlessItsCellNamesOne() throws {
        let policy = RecipientPolicy(resolvesTimeZones: true, isKnownTimeZone: { $0 != "Etc/Unknown" })
        let classifier = try RecipientClassifier(
            header: ["phone", "timezone"], phoneColumn: nil, defaultRegion: nil, message: nil, policy: policy)
        let satellite = classifier.classify(record(["+881612345678", ""], line: 4))
        #expect(!satellite.isValid)
        #expect(satellite.reasonCode == "timezone")
        #expect(satellite.reason?.hasPrefix("line 4: no time zone is known for this number (Etc/Unknown)") == true, "\(satellite.reason ?? "")")
        #expect(classifier.classify(record(["+881612345678", "Europe/Lisbon"])).windowGroup == "Europe/Lisbon")
    }

    @Test func aNumberOverSeveralZonesGetsThemAllInOneGroup() throws {
        let classifier = try RecipientClassifier(
            header: ["phone"], phoneColumn: nil, defaultRegion: nil, message: nil,
            policy: RecipientPolicy(resolvesTimeZones: true))
        // A Russian mobile: country-level zones (mobile prefixes are not geographical in Russia).
        let russian = classifier.classify(record(["+7 912 345 67 89"]))
        #expect(russian.isValid)
        #expect((russian.windowGroup?.split(separator: " ").count ?? 0) > 5)
    }
}
