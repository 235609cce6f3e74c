import Foundation
import Testing
@testable import Recipients

@Suite("CSV resume")
struct CSVResumeTests {
    static let tricky = "\u{FEFF}\n phone ;note;n\r\n1;\"a;b\r\nc\";x\n\n2;\"\"\"q\"\"\";y\r3;plain;z\r\n;;\n4;\"line\none\ntwo\";w\n5;short\n6;last;\"q\""

    @Test func resumeAtEveryRecordBoundaryYieldsExactlyTheRest() throws {
        let path = Fixtures.file(Self.tricky)
        let (reader, all) = try Fixtures.records(path)
        #expect(all.count == 6)
        #expect(reader.header == ["phone", "note", "n"])
        #expect(all[4].problem == .fieldCount(expected: 3, found: 2))
        var positions = [reader.dataStart]
        let stepper = try CSVReader(path: path)
        while try stepper.next() != nil { positions.append(stepper.position) }
        #expect(positions.last == reader.position)

        for (consumed, position) in positions.enumerated() {
            let (resumed, rest) = try Fixtures.records(path, resumeAt: position)
            #expect(rest.map(\.fields) == all.dropFirst(consumed).map(\.fields), "after \(consumed) records")
            #expect(rest.map(\.line) == all.dropFirst(consumed).map(\.line))
            #expect(rest.map(\.dataRow) == all.dropFirst(consumed).map(\.dataRow))
            #expect(rest.map(\.problem) == all.dropFirst(consumed).map(\.problem))
            #expect(resumed.position == reader.position)
        }
    }

    @Test func positionIsCodable() throws {
        let position = CSVPosition(byteOffset: 1234, line: 7, dataRow: 5)
        let data = try JSONEncoder().encode(position)
        #expect(try JSONDecoder().decode(CSVPosition.self, from: data) == position)
    }

    @Test func fileIdentityChangesWhenTheFileDoes() throws {
        let path = Fixtures.file("a\n1\n")
        let before = try CSVReader(path: path).fileIdentity
        #expect(before.size == 4)
        #expect(try CSVReader(path: path).fileIdentity == before)
        try Array("a\n1\n2\n".utf8).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
        #expect(try CSVReader(path: path).fileIdentity != before)
    }

    @Test func resumeAtTheEndIsNotAnError() throws {
        let path = Fixtures.file("a\n1\n")
        let (reader, _) = try Fixtures.records(path)
        let (_, rest) = try Fixtures.records(path, resumeAt: reader.position)
        #expect(rest.isEmpty)
    }

    @Test func closeEndsTheStream() throws {
        let reader = try CSVReader(path: Fixtures.file("a\n1\n2\n"))
        #expect(try reader.next()?.fields == ["1"])
        reader.close()
        #expect(try reader.next() == nil)
    }
}
