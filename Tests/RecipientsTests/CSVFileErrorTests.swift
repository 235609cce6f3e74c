import Foundation
import Testing
@testable import Recipients

@Suite("CSV file-level errors")
struct CSVFileErrorTests {
    private func expectKind(_ path: String, _ kind: CSVFileError.Kind, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = Fixtures.openError(path)
        #expect(error?.kind == kind, sourceLocation: sourceLocation)
        #expect(error?.description.hasPrefix("\(path): ") == true, sourceLocation: sourceLocation)
    }

    @Test func missingFile() {
        let path = Fixtures.root.appendingPathComponent("nope.csv").path
        expectKind(path, .notFound)
        #expect(Fixtures.openError(path)?.description == "\(path): no such file")
    }

    @Test func directory() {
        expectKind(Fixtures.root.path, .isDirectory)
    }

    @Test func unreadable() throws {
        let path = Fixtures.file("a\n1\n")
        let readable = Fixtures.file("a\n1\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        // As root (CI), permission bits stop nobody: the open runs under an unprivileged filesystem uid.
        try UnprivilegedFileAccess.run {
            expectKind(path, .permissionDenied)
            // The same directory, a readable file: the refusal comes from the file's mode, not its path.
            #expect(Fixtures.openError(readable) == nil)
        }
    }

    @Test func openErrnoMapping() {
        // Runs as root too, where chmod 000 cannot produce EACCES.
        #expect(CSVReader.openFailureKind(EACCES) == .permissionDenied)
        #expect(CSVReader.openFailureKind(ENOENT) == .notFound)
        #expect(CSVReader.openFailureKind(EISDIR) == .isDirectory)
        #expect(CSVReader.openFailureKind(EMFILE) == .openFailed(errno: EMFILE))
        #expect(CSVFileError(path: "x.csv", kind: .openFailed(errno: EMFILE)).description.hasPrefix("x.csv: cannot open the file ("))
    }

    @Test func emptyFile() {
        let path = Fixtures.file("")
        expectKind(path, .empty)
        #expect(Fixtures.openError(path)?.description == "\(path): the file is empty")
        expectKind(Fixtures.file([0xEF, 0xBB, 0xBF]), .empty)
        expectKind(Fixtures.file("\n \r\n\n"), .empty)
    }

    @Test func headerOnly() {
        expectKind(Fixtures.file("phone,name\n"), .headerOnly)
        expectKind(Fixtures.file("phone,name"), .headerOnly)
        expectKind(Fixtures.file("phone,name\r\n\r\n,\r\n"), .headerOnly)
    }

    @Test func binaryFiles() {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += [UInt8](repeating: 0, count: 64) + Array(0...255)
        expectKind(Fixtures.file(png), .binary)
        expectKind(Fixtures.file(Array("ph".utf8) + [0] + Array("one\n1\n".utf8)), .binary)
        let utf16NoBOM: [UInt8] = Array("phone,name\n1,Ana\n".utf8).flatMap { [$0, UInt8(0)] }
        expectKind(Fixtures.file(utf16NoBOM), .binary)
    }

    @Test func workbookAndUTF16AndLatin1() {
        expectKind(Fixtures.file([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]), .spreadsheetWorkbook)
        expectKind(Fixtures.file([0xFF, 0xFE, 0x70, 0x00]), .utf16)
        expectKind(Fixtures.file(Array("telefone,".utf8) + [0x6E, 0xE3, 0x6F] + Array("\n1,2\n".utf8)), .notUTF8(line: 1))
    }

    @Test func windows1252FileIsRejectedAsAWhole() {
        // "Jo\u{E3}o" and "Concei\u{E7}\u{E3}o" as Windows-1252 bytes.
        let bytes = Array("telefone,nome\n923000001,Ana\n923000002,Jo".utf8) + [0xE3] + Array("o\n923000003,Concei".utf8)
            + [0xE7, 0xE3] + Array("o\n".utf8)
        let path = Fixtures.file(bytes)
        expectKind(path, .notUTF8(line: 3))
        #expect(Fixtures.openError(path)?.description.contains("CSV UTF-8") == true)
    }

    @Test func malformedHeader() {
        let wide = (0...4096).map { "c\($0)" }.joined(separator: ",")
        expectKind(Fixtures.file(wide + "\n1\n"), .malformedHeader("more than 4096 columns"))
        expectKind(Fixtures.file("a," + String(repeating: "n", count: 5000) + "\n1,2\n"),
                   .malformedHeader(CSVRowProblem.fieldTooLong(column: 2, limit: 4096).reason))
        expectKind(Fixtures.file("phone,\"name\n"), .malformedHeader(CSVRowProblem.unterminatedQuote.reason))
    }

    @Test func invalidDelimiter() {
        #expect(Fixtures.openError(Fixtures.file("a\n1\n"), delimiter: 0x22)?.kind == .invalidDelimiter(0x22))
    }

    @Test func invalidResumePosition() throws {
        let path = Fixtures.file("a,b\n1,2\n")
        for position in [CSVPosition(byteOffset: 1, line: 1, dataRow: 0), CSVPosition(byteOffset: 999, line: 2, dataRow: 1)] {
            #expect(throws: CSVFileError(path: path, kind: .invalidResumePosition(position))) {
                _ = try CSVReader(path: path, resumeAt: position)
            }
        }
    }
}
