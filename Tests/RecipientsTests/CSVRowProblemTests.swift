import Testing
@testable import Recipients

@Suite("CSV row problems are returned, not thrown")
struct CSVRowProblemTests {
    @Test func wrongFieldCounts() throws {
        let (_, records) = try Fixtures.records(Fixtures.file("a,b,c\n1,2,3\n1,2\n1,2,3,4\n5,6,7\n"))
        #expect(records.map(\.problem) == [nil, .fieldCount(expected: 3, found: 2), .fieldCount(expected: 3, found: 4), nil])
        #expect(records[2].fields == ["1", "2", "3", "4"])
        #expect(records[1].problem?.code == "field_count")
        #expect(records[1].problem?.reason == "expected 3 fields, found 2")
        #expect(records.map(\.line) == [2, 3, 4, 5])
    }

    @Test func invalidUTF8IsRepaired() throws {
        let path = Fixtures.file(Array("phone,name\n1,".utf8) + [0x4A, 0xE9, 0x73] + Array("\n2,ok\n".utf8))
        let (_, records) = try Fixtures.records(path)
        #expect(records[0].problem == .invalidUTF8(column: 2))
        #expect(records[0].fields == ["1", "J\u{FFFD}s"])
        #expect(records[1].problem == nil)
    }

    @Test func nulByte() throws {
        let path = Fixtures.file(Array("phone,name\n12".utf8) + [0] + Array("3,Ana\n4,\"x".utf8) + [0] + Array("\"\n5,ok\n".utf8))
        let (_, records) = try Fixtures.records(path)
        #expect(records.map(\.problem) == [.nulByte(column: 1), .nulByte(column: 2), nil])
        #expect(records[0].fields == ["123", "Ana"])
        #expect(records.map(\.line) == [2, 3, 4])
    }

    @Test func overLongFieldIsCutAndTheStreamGoesOn() throws {
        let huge = String(repeating: "y", count: 5_000_000)
        let text = "phone,name\n1,\(huge)\n2,\"\(huge)\n\(huge)\"\n3,ok\n"
        let (_, records) = try Fixtures.records(Fixtures.file(text), maxFieldBytes: 1000)
        #expect(records.map(\.problem) == [.fieldTooLong(column: 2, limit: 1000), .fieldTooLong(column: 2, limit: 1000), nil])
        #expect(records[0].fields[1].utf8.count == 1000)
        #expect(records.map(\.line) == [2, 3, 5])
        #expect(records[2].fields == ["3", "ok"])
    }

    @Test func overLongFieldIsCutBetweenCharacters() throws {
        let (_, records) = try Fixtures.records(Fixtures.file("a,b\n1,\(String(repeating: "é", count: 10))\n"), maxFieldBytes: 5)
        #expect(records[0].problem == .fieldTooLong(column: 2, limit: 5))
        #expect(records[0].fields == ["1", "éé"])
    }

    @Test func unterminatedQuoteAtEOF() throws {
        let (_, records) = try Fixtures.records(Fixtures.file("phone,name\n1,ok\n2,\"never closed"))
        #expect(records.count == 2)
        #expect(records[1].problem == .unterminatedQuote)
        #expect(records[1].problem?.code == "unterminated_quote")
        #expect(records[1].fields == ["2", "never closed"])
        #expect(records[1].line == 3)
    }

    @Test func strayOpeningQuoteDoesNotSwallowTheRest() throws {
        var text = "phone,name\n1,ok\n2,\"Nita Silva\r\n"
        for i in 3...2000 { text += "\(i),name \(i)\r\n" }
        let (reader, records) = try Fixtures.records(Fixtures.file(text))
        #expect(records.count == 2000)
        #expect(records[1].problem == .unterminatedQuote)
        #expect(records[1].fields == ["2", "Nita Silva"])
        #expect(records[2].fields == ["3", "name 3"])
        #expect(records[2].line == 4)
        #expect(records.dropFirst(2).allSatisfy { $0.problem == nil })
        #expect(records.last?.line == 2001)
        let stepper = try CSVReader(path: reader.path)
        _ = try stepper.next()
        _ = try stepper.next()
        let (_, rest) = try Fixtures.records(reader.path, resumeAt: stepper.position)
        #expect(rest.map(\.fields) == records.dropFirst(2).map(\.fields))
    }

    @Test func manyFieldsAreCountedButNotAllKept() throws {
        let row = Array(repeating: "z", count: 10_000).joined(separator: ",")
        let (_, records) = try Fixtures.records(Fixtures.file("a,b\n\(row)\n1,2\n"))
        #expect(records[0].problem == .fieldCount(expected: 2, found: 10_000))
        #expect(records[0].fields.count < 100)
        #expect(records[1].fields == ["1", "2"])
    }
}
