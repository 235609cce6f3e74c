import Testing
@testable import Recipients

@Suite("CSV dialects")
struct CSVDialectTests {
    private func fields(_ text: String, delimiter: UInt8? = nil) throws -> (header: [String], rows: [[String]]) {
        let (reader, records) = try Fixtures.records(Fixtures.file(text), delimiter: delimiter)
        #expect(records.allSatisfy { $0.problem == nil })
        return (reader.header, records.map(\.fields))
    }

    @Test func plainComma() throws {
        let (header, rows) = try fields("phone,name\n923000001,Ana\n923000002,Rui\n")
        #expect(header == ["phone", "name"])
        #expect(rows == [["923000001", "Ana"], ["923000002", "Rui"]])
    }

    @Test func utf8BOMIsStripped() throws {
        let path = Fixtures.file([0xEF, 0xBB, 0xBF] + Array("phone,name\n1,Ana\n".utf8))
        let (reader, records) = try Fixtures.records(path)
        #expect(reader.header == ["phone", "name"])
        #expect(reader.columnIndex(named: "PHONE") == 0)
        #expect(records.map(\.fields) == [["1", "Ana"]])
    }

    @Test func semicolon() throws {
        let (header, rows) = try fields("phone;name;amount\n1;Ana;1,50\n2;Rui;2,00\n")
        #expect(header == ["phone", "name", "amount"])
        #expect(rows[0] == ["1", "Ana", "1,50"])
    }

    @Test func tab() throws {
        let (header, rows) = try fields("phone\tname\n1\tAna Silva\n")
        #expect(header == ["phone", "name"])
        #expect(rows == [["1", "Ana Silva"]])
    }

    @Test func pipe() throws {
        let (reader, records) = try Fixtures.records(Fixtures.file("phone|name\n1|Ana\n"))
        #expect(reader.delimiter == UInt8(ascii: "|"))
        #expect(records.map(\.fields) == [["1", "Ana"]])
    }

    @Test func crlf() throws {
        let (reader, records) = try Fixtures.records(Fixtures.file("phone,name\r\n1,Ana\r\n2,Rui\r\n"))
        #expect(records.map(\.fields) == [["1", "Ana"], ["2", "Rui"]])
        #expect(records.map(\.line) == [2, 3])
        #expect(reader.position.line == 4)
    }

    @Test func loneCR() throws {
        let (_, records) = try Fixtures.records(Fixtures.file("phone,name\r1,Ana\r2,Rui"))
        #expect(records.map(\.fields) == [["1", "Ana"], ["2", "Rui"]])
        #expect(records.map(\.line) == [2, 3])
    }

    @Test func quotedNewlinesKeepLineNumbers() throws {
        let (_, records) = try Fixtures.records(Fixtures.file("phone,note\n1,\"two\nlines\"\n2,\"crlf\r\ninside\"\n3,x\n"))
        #expect(records.map(\.fields) == [["1", "two\nlines"], ["2", "crlf\r\ninside"], ["3", "x"]])
        #expect(records.map(\.line) == [2, 4, 6])
        #expect(records.map(\.dataRow) == [1, 2, 3])
    }

    @Test func doubledQuotes() throws {
        let (_, rows) = try fields("phone,name\n1,\"Ana \"\"Nita\"\" Silva\"\n2,\"\"\"\"\n3,\"\"\n")
        #expect(rows == [["1", "Ana \"Nita\" Silva"], ["2", "\""], ["3", ""]])
    }

    @Test func quotedDelimiterDoesNotFoolSniffer() throws {
        let text = "phone;name\n1;\"Silva, Ana, Maria, Rita\"\n2;\"Costa, Rui, Jo, Ze\"\n3;Ze\n"
        let (reader, records) = try Fixtures.records(Fixtures.file(text))
        #expect(reader.delimiter == UInt8(ascii: ";"))
        #expect(records.map(\.fields)[0] == ["1", "Silva, Ana, Maria, Rita"])
    }

    @Test func explicitDelimiterOverridesSniffing() throws {
        let (header, rows) = try fields("a;b,c\n1;2,3\n", delimiter: UInt8(ascii: ";"))
        #expect(header == ["a", "b,c"])
        #expect(rows == [["1", "2,3"]])
    }

    @Test func blankLinesAreSkippedNotCounted() throws {
        let text = "\n\nphone,name\n\n1,Ana\n   \n,\r\n2,Rui\n\n"
        let (reader, records) = try Fixtures.records(Fixtures.file(text))
        #expect(reader.header == ["phone", "name"])
        #expect(reader.dataStart.line == 4)
        #expect(records.map(\.fields) == [["1", "Ana"], ["2", "Rui"]])
        #expect(records.map(\.line) == [5, 8])
        #expect(records.map(\.dataRow) == [1, 2])
        #expect(reader.blankLinesSkipped == 4)
    }

    @Test func missingTrailingNewline() throws {
        let (_, rows) = try fields("phone,name\n1,Ana\n2,Rui")
        #expect(rows == [["1", "Ana"], ["2", "Rui"]])
        let (_, quoted) = try fields("phone,name\n1,\"Ana\"")
        #expect(quoted == [["1", "Ana"]])
        let (_, emptyLast) = try fields("phone,name\n1,")
        #expect(emptyLast == [["1", ""]])
    }

    @Test func headerNamesTrimmedAndLookedUp() throws {
        let (reader, _) = try Fixtures.records(Fixtures.file(" Phone , Nome\u{00A0},\u{FEFF}code,phone,\n1,2,3,4,5\n"))
        #expect(reader.header == ["Phone", "Nome", "code", "phone", ""])
        #expect(reader.columnIndex(named: " nome ") == 1)
        #expect(reader.columnIndex(anyOf: ["msisdn", "PHONE"]) == 0)
        #expect(reader.columnIndex(named: "missing") == nil)
        #expect(reader.duplicateHeaderNames == ["phone"])
        #expect(reader.emptyHeaderColumns == [4])
    }

    @Test func fieldsAreNotTrimmedAndUnicodeSurvives() throws {
        let (_, rows) = try fields("phone,name\n 1 ,José Ângelo 🇦🇴\n")
        #expect(rows == [[" 1 ", "José Ângelo 🇦🇴"]])
    }

    @Test func textAfterClosingQuoteIsKept() throws {
        let (_, rows) = try fields("a,b\n\"x\"y,\"q\"\n")
        #expect(rows == [["xy", "q"]])
    }

    @Test func recordsSpanningReadBlocks() throws {
        // Fields larger than the 1 MiB block would be cut at 64 KiB; use many mid-sized rows instead.
        var text = "id,payload\n"
        for i in 0..<30_000 { text += "\(i),\"\(String(repeating: "x", count: i % 70))\r\n\"\"z\"\"\"\r\n" }
        let (_, records) = try Fixtures.records(Fixtures.file(text))
        #expect(records.count == 30_000)
        #expect(records.allSatisfy { $0.problem == nil })
        #expect(records[29_999].fields[1] == String(repeating: "x", count: 29_999 % 70) + "\r\n\"z\"")
        #expect(records[29_999].line == 2 + 2 * 29_999)

        // Resume points on both sides of the 1 MiB block boundaries.
        let path = Fixtures.file(text)
        let stepper = try CSVReader(path: path)
        var index = 0
        while let _ = try stepper.next() {
            index += 1
            guard index % 4_999 == 0 else { continue }
            let (_, rest) = try Fixtures.records(path, resumeAt: stepper.position)
            #expect(rest.count == 30_000 - index)
            #expect(rest.first?.line == records.dropFirst(index).first?.line)
            #expect(rest.first?.fields == records.dropFirst(index).first?.fields)
        }
    }
}
