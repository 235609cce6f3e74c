import Testing
@testable import Recipients

@Suite("CSV properties (seeded random input)")
struct CSVPropertyTests {
    /// Reads everything with a given block size; also checks record numbering invariants.
    private func readAll(_ path: String, delimiter: UInt8?, blockSize: Int, maxFieldBytes: Int = 65_536,
                         resumeAt: CSVPosition? = nil) throws(CSVFileError) -> (CSVReader, [CSVRecord], [CSVPosition]) {
        let reader = try CSVReader(path: path, delimiter: delimiter, resumeAt: resumeAt,
                                   maxFieldBytes: maxFieldBytes, blockSize: blockSize)
        var records: [CSVRecord] = []
        var positions: [CSVPosition] = []
        while let record = try reader.next() {
            records.append(record)
            positions.append(reader.position)
        }
        return (reader, records, positions)
    }

    @Test func randomBytesNeverCrashAndResumeAgrees() throws {
        var rng = SeededGenerator(seed: 0xC5F)
        let alphabet: [UInt8] = Array("ab,;|\t\"\"\"\r\n\n 1".utf8) + [0, 0xFF, 0xC3, 0xA9, 0xE2]
        var opened = 0, rowsWithProblems = 0
        for _ in 0..<400 {
            let count = Int.random(in: 0...600, using: &rng)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            // Mostly behind a clean header, so the rows (not just the file checks) get exercised.
            let prefix = Int.random(in: 0..<4, using: &rng) == 0 ? [] : Array("h1,h2,h3\n".utf8)
            let path = Fixtures.file(prefix + bytes, name: "random")
            let blockSize = Int.random(in: 4...64, using: &rng)
            let delimiter: UInt8? = Bool.random(using: &rng) ? nil : UInt8(ascii: ",")
            let reader: CSVReader, records: [CSVRecord], positions: [CSVPosition]
            do {
                (reader, records, positions) = try readAll(path, delimiter: delimiter, blockSize: blockSize, maxFieldBytes: 40)
            } catch {
                continue  // file-level rejection is a valid outcome for garbage
            }
            opened += 1
            rowsWithProblems += records.count { $0.problem != nil }
            #expect(records.count <= count)
            #expect(records.map(\.dataRow) == Array(1...max(1, records.count)).prefix(records.count).map { $0 })
            #expect(records.allSatisfy { $0.fields.allSatisfy { $0.utf8.count <= 40 * 3 } })
            if !records.isEmpty {
                let middle = records.count / 2
                let (_, rest, _) = try readAll(path, delimiter: reader.delimiter, blockSize: blockSize, maxFieldBytes: 40,
                                               resumeAt: positions[middle])
                #expect(rest.map(\.fields) == records.dropFirst(middle + 1).map(\.fields))
                #expect(rest.map(\.line) == records.dropFirst(middle + 1).map(\.line))
            }
        }
        #expect(opened > 100, "the generator should mostly produce openable files (\(opened))")
        #expect(rowsWithProblems > 100)
    }

    @Test func validCSVRoundTrips() throws {
        var rng = SeededGenerator(seed: 42)
        let pieces = ["a", "Ana", " ", "1", "é", "🇦🇴", ",", ";", "|", "\t", "\"", "\n", "\r\n", "\r", "x y"]
        let lineEnds = ["\n", "\r\n", "\r"]
        for iteration in 0..<200 {
            let delimiter = CSVDelimiterSniffer.candidates.randomElement(using: &rng)!
            let separator = String(UnicodeScalar(delimiter))
            let columns = Int.random(in: 2...5, using: &rng)
            let header = (0..<columns).map { "col\($0)" }
            var text = header.joined(separator: separator) + lineEnds.randomElement(using: &rng)!
            var line = 2
            var expected: [(line: Int, fields: [String])] = []
            let rows = Int.random(in: 1...30, using: &rng)
            for row in 0..<rows {
                var fields = ["\(row)"]
                for _ in 1..<columns {
                    fields.append((0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined())
                }
                let encoded = fields.map { field -> String in
                    let special = field.unicodeScalars.contains { "\",;|\t\r\n".unicodeScalars.contains($0) }
                    guard special || Int.random(in: 0..<4, using: &rng) == 0 else { return field }
                    return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
                }
                expected.append((line, fields))
                text += encoded.joined(separator: separator)
                line += fields.reduce(0) { $0 + $1.lineBreaks } + 1
                if row < rows - 1 || Bool.random(using: &rng) { text += lineEnds.randomElement(using: &rng)! }
            }
            let path = Fixtures.file(text, name: "valid")
            let blockSize = Bool.random(using: &rng) ? 1 << 20 : Int.random(in: 4...32, using: &rng)
            let sniff = blockSize > 1000
            let (reader, records, _) = try readAll(path, delimiter: sniff ? nil : delimiter, blockSize: blockSize)
            #expect(reader.delimiter == delimiter, "iteration \(iteration)")
            #expect(reader.header == header)
            #expect(records.map(\.fields) == expected.map(\.fields), "iteration \(iteration)")
            #expect(records.map(\.line) == expected.map(\.line), "iteration \(iteration)")
            #expect(records.allSatisfy { $0.problem == nil })
        }
    }
}

private extension String {
    /// Physical line breaks in the text: CRLF, LF and lone CR each count once.
    var lineBreaks: Int {
        var count = 0
        var previousCR = false
        for byte in utf8 {
            if byte == 0x0A {
                if !previousCR { count += 1 }
            } else if byte == 0x0D {
                count += 1
            }
            previousCR = byte == 0x0D
        }
        return count
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
