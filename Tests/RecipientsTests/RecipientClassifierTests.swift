import Recipients
import Testing

@Suite("Recipient classifier")
struct RecipientClassifierTests {
    func record(_ fields: [String], row: Int = 1) -> CSVRecord {
        CSVRecord(line: row + 1, dataRow: row, fields: fields, problem: nil)
    }

    @Test func findsThePhoneColumnByKnownNamesCaseInsensitively() throws {
        let classifier = try RecipientClassifier(header: ["Nome", " Telemovel "], phoneColumn: nil, defaultRegion: "AO", message: "Hi")
        #expect(classifier.phoneColumn == 1)
        #expect(classifier.classify(record(["Ana", "923 456 789"])).e164?.string == "+244923456789")
    }

    @Test func accentedHeadersFromSpreadsheetExportsAreFound() throws {
        let classifier = try RecipientClassifier(header: ["Nome", "Telemóvel", "País"], phoneColumn: nil, defaultRegion: "AO", message: nil)
        #expect(classifier.phoneColumn == 1)
        #expect(classifier.countryColumn == 2)
        #expect(try RecipientClassifier(header: ["Número"], phoneColumn: "numero", defaultRegion: "AO", message: nil).phoneColumn == 0)
    }

    @Test func aNamedPhoneColumnThatIsMissingIsAClearError() {
        #expect(throws: RecipientClassifier.SetupError.self) {
            try RecipientClassifier(header: ["a", "b"], phoneColumn: "mobile", defaultRegion: nil, message: nil)
        }
    }

    @Test func aCountryColumnGivesEachRowItsOwnDefaultRegion() throws {
        let classifier = try RecipientClassifier(header: ["phone", "country"], phoneColumn: nil, defaultRegion: "AO", message: nil)
        #expect(classifier.classify(record(["912 345 678", "PT"])).e164?.string == "+351912345678")
        #expect(classifier.classify(record(["923 456 789", ""])).e164?.string == "+244923456789")
    }

    @Test func personalisedTextsAreRenderedAndAnEmptyCellWithoutDefaultIsARowError() throws {
        let classifier = try RecipientClassifier(header: ["phone", "name"], phoneColumn: nil, defaultRegion: "AO", message: "Olá {{name}}")
        #expect(classifier.isPersonalised)
        #expect(classifier.classify(record(["923456789", "Ana"])).content == "Olá Ana")
        let empty = classifier.classify(record(["923456789", " "]))
        #expect(!empty.isValid)
        #expect(empty.reasonCode == "template")
    }

    @Test func theSameTextForEveryoneIsNotPersonalised() throws {
        let classifier = try RecipientClassifier(header: ["phone"], phoneColumn: nil, defaultRegion: "AO", message: "Same for all")
        #expect(!classifier.isPersonalised)
        #expect(classifier.classify(record(["923456789"])).content == nil)
    }

    @Test func rowProblemsBecomeInvalidWithTheLineNumber() throws {
        let classifier = try RecipientClassifier(header: ["phone", "name"], phoneColumn: nil, defaultRegion: "AO", message: nil)
        let broken = CSVRecord(line: 7, dataRow: 5, fields: ["923456789"], problem: .fieldCount(expected: 2, found: 1))
        let c = classifier.classify(broken)
        #expect(!c.isValid)
        #expect(c.reason?.hasPrefix("line 7:") == true)
    }

    @Test func unknownDefaultRegionIsRefused() {
        #expect(throws: RecipientClassifier.SetupError.self) {
            try RecipientClassifier(header: ["phone"], phoneColumn: nil, defaultRegion: "XX", message: nil)
        }
    }
}
