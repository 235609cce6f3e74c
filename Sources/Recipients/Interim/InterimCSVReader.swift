import Foundation

// Interim stand-in for the production CSV reader (issue 3); same public API.

/// Where a reader stands in its file: enough to reopen it exactly there.
public struct CSVPosition: Sendable, Equatable, Codable {
    public var byteOffset: Int64
    public var line: Int
    public var dataRow: Int
    public init(byteOffset: Int64, line: Int, dataRow: Int) {
        self.byteOffset = byteOffset
        self.line = line
        self.dataRow = dataRow
    }
}

/// A problem with one row; the stream goes on.
public enum CSVRowProblem: Sendable, Equatable {
    case fieldCount(expected: Int, found: Int)
    case unterminatedQuote
    public var code: String {
        switch self {
        case .fieldCount: "field_count"
        case .unterminatedQuote: "unterminated_quote"
        }
    }
    public var reason: String {
        switch self {
        case .fieldCount(let e, let f): "expected \(e) fields, found \(f)"
        case .unterminatedQuote: "a quoted field is not closed before the end of the file"
        }
    }
}

/// One record.
public struct CSVRecord: Sendable {
    public var line: Int
    public var dataRow: Int
    public var fields: [String]
    public var problem: CSVRowProblem?
}

/// A file-level failure.
public struct CSVFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// A streaming CSV reader.
public final class CSVReader {
    public let path: String
    public private(set) var header: [String] = []
    public let delimiter: UInt8
    private let data: [UInt8]
    private var index: Int
    private var line: Int
    private var dataRow: Int

    public init(path: String, delimiter: UInt8? = nil, resumeAt: CSVPosition? = nil, maxFieldBytes: Int = 65_536) throws(CSVFileError) {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CSVFileError(path: path, message: "no such file")
        }
        guard !isDirectory.boolValue else { throw CSVFileError(path: path, message: "is a directory, not a CSV file") }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw CSVFileError(path: path, message: "cannot be read")
        }
        var bytes = [UInt8](contents)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        data = bytes
        guard !bytes.isEmpty else { throw CSVFileError(path: path, message: "the file is empty") }
        let firstLine = bytes.prefix { $0 != 10 && $0 != 13 }
        let counts = [UInt8(ascii: ","), UInt8(ascii: ";"), 9, UInt8(ascii: "|")].map { d in (d, firstLine.filter { $0 == d }.count) }
        self.delimiter = delimiter ?? (counts.max { $0.1 < $1.1 }.map { $0.1 > 0 ? $0.0 : UInt8(ascii: ",") } ?? UInt8(ascii: ","))
        index = 0
        line = 1
        dataRow = 0
        guard let head = readRecord() else { throw CSVFileError(path: path, message: "the file has no header row") }
        header = head.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        if let resumeAt {
            index = Int(resumeAt.byteOffset) - (contents.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0)
            line = resumeAt.line
            dataRow = resumeAt.dataRow
        }
    }

    public func columnIndex(named name: String) -> Int? { columnIndex(anyOf: [name]) }

    public func columnIndex(anyOf names: [String]) -> Int? {
        for name in names {
            let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
            if let i = header.firstIndex(where: { $0.lowercased() == wanted }) { return i }
        }
        return nil
    }

    public func next() throws(CSVFileError) -> CSVRecord? {
        guard var record = readRecord() else { return nil }
        dataRow += 1
        record.dataRow = dataRow
        if record.problem == nil && record.fields.count != header.count {
            record.problem = .fieldCount(expected: header.count, found: record.fields.count)
        }
        return record
    }

    public var position: CSVPosition {
        CSVPosition(byteOffset: Int64(index) + (bomLength), line: line, dataRow: dataRow)
    }
    private var bomLength: Int64 { 0 }

    public func close() {}

    private func readRecord() -> CSVRecord? {
        while index < data.count, data[index] == 10 || data[index] == 13 {
            if data[index] == 13, index + 1 < data.count, data[index + 1] == 10 { index += 1 }
            index += 1
            line += 1
        }
        guard index < data.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var problem: CSVRowProblem?
        while index < data.count {
            let b = data[index]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if index + 1 < data.count, data[index + 1] == UInt8(ascii: "\"") { field.append(b); index += 2; continue }
                    inQuotes = false
                } else {
                    if b == 10 || (b == 13 && !(index + 1 < data.count && data[index + 1] == 10)) { line += 1 }
                    field.append(b)
                }
                index += 1
                continue
            }
            if b == UInt8(ascii: "\"") && field.isEmpty { inQuotes = true; index += 1; continue }
            if b == delimiter { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true); index += 1; continue }
            if b == 10 || b == 13 {
                if b == 13, index + 1 < data.count, data[index + 1] == 10 { index += 1 }
                index += 1
                line += 1
                break
            }
            field.append(b)
            index += 1
        }
        if inQuotes { problem = .unterminatedQuote }
        fields.append(String(decoding: field, as: UTF8.self))
        return CSVRecord(line: startLine, dataRow: 0, fields: fields, problem: problem)
    }
}
