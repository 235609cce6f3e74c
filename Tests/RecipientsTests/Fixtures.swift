import Foundation
@testable import Recipients

/// Writes test fixtures into a fresh temporary directory, so no fixture files need committing.
enum Fixtures {
    static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("recipients-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Fixtures.root) }
        return url
    }()

    /// Writes `bytes` to a new file and returns its path.
    static func file(_ bytes: [UInt8], name: String = "fixture") -> String {
        let url = root.appendingPathComponent("\(name)-\(UUID().uuidString).csv")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url.path
    }

    /// Writes `text` (UTF-8) to a new file and returns its path.
    static func file(_ text: String, name: String = "fixture") -> String {
        file(Array(text.utf8), name: name)
    }

    /// Reads all records of `path`.
    static func records(_ path: String, delimiter: UInt8? = nil, resumeAt: CSVPosition? = nil,
                        maxFieldBytes: Int = 65_536) throws -> (reader: CSVReader, records: [CSVRecord]) {
        let reader = try CSVReader(path: path, delimiter: delimiter, resumeAt: resumeAt, maxFieldBytes: maxFieldBytes)
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        return (reader, records)
    }

    /// The file-level error opening `path` raises, if any.
    static func openError(_ path: String, delimiter: UInt8? = nil) -> CSVFileError? {
        do {
            _ = try CSVReader(path: path, delimiter: delimiter)
            return nil
        } catch {
            return error
        }
    }
}

/// Deterministic generator for the property tests.
typealias SeededGenerator = SplitMix64
