#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming reader of recipient CSV files: RFC 4180 plus the dialects real spreadsheets produce.
///
/// Memory stays bounded for any file size (1 MiB read blocks, fields capped at `maxFieldBytes`). Row problems
/// come back inside `CSVRecord.problem` and reading goes on; only file-level problems throw. After each record,
/// `position` is an exact resume point that `init(path:resumeAt:)` accepts. Not `Sendable`: one consumer.
public final class CSVReader {
    /// The path as given.
    public let path: String
    /// Header names, trimmed of whitespace (duplicates and empty names are kept; see `duplicateHeaderNames`).
    public let header: [String]
    /// The field delimiter in use, sniffed or given.
    public let delimiter: UInt8
    /// Fields longer than this many bytes are cut and reported as `fieldTooLong`.
    public let maxFieldBytes: Int
    /// Header names appearing more than once (compared case-insensitively), in order of first repeat.
    public let duplicateHeaderNames: [String]
    /// 0-based indexes of header columns whose name is empty.
    public let emptyHeaderColumns: [Int]
    /// Size, mtime and inode at open: store with checkpoints to refuse resuming into a changed file.
    public let fileIdentity: CSVFileIdentity
    /// The position just after the header row: where data starts.
    public let dataStart: CSVPosition
    /// Just after the last record returned (the resume point); `dataStart` before any.
    public private(set) var position: CSVPosition
    /// Blank lines (empty, whitespace-only or delimiters-only) skipped so far, not counted as data rows.
    public private(set) var blankLinesSkipped = 0

    private let scanner: CSVScanner
    /// The fields of the record being built (see `readDataRecord`).
    private var fields: [String] = []
    private let lowercasedHeader: [String]
    private var dataRow: Int
    /// The first data record, read at open to detect header-only files.
    private var pending: (record: CSVRecord, end: CSVPosition)?

    /// Opens `path`, reads the header and, unless resuming, checks there is at least one data row.
    ///
    /// - Parameters:
    ///   - delimiter: the field separator; `nil` sniffs it among `,` `;` TAB `|`.
    ///   - resumeAt: a `position` from an earlier reader of the same file; reading continues right after it.
    ///   - maxFieldBytes: the per-field limit that keeps memory bounded on hostile input.
    public convenience init(path: String, delimiter: UInt8? = nil, resumeAt: CSVPosition? = nil,
                            maxFieldBytes: Int = 65_536) throws(CSVFileError) {
        try self.init(path: path, delimiter: delimiter, resumeAt: resumeAt, maxFieldBytes: maxFieldBytes,
                      blockSize: 1 << 20)
    }

    /// Designated initializer with a configurable read-block size, so tests can put block boundaries anywhere.
    init(path: String, delimiter: UInt8?, resumeAt: CSVPosition?, maxFieldBytes: Int,
         blockSize: Int) throws(CSVFileError) {
        self.path = path
        self.maxFieldBytes = max(1, maxFieldBytes)
        if let delimiter, delimiter == CSVScanner.quote || delimiter == CSVScanner.lf || delimiter == CSVScanner.cr {
            throw CSVFileError(path: path, kind: .invalidDelimiter(delimiter))
        }
        let fd = try Self.openFile(path)
        let scanner = CSVScanner(fd: fd, path: path, blockSize: max(4, blockSize))
        self.scanner = scanner
        guard let identity = CSVFileIdentity.of(fd: fd) else {
            throw CSVFileError(path: path, kind: .readFailed(errno: errno))
        }
        fileIdentity = identity

        // First block: container and encoding checks, then the delimiter.
        guard try scanner.fill() else { throw CSVFileError(path: path, kind: .empty) }
        try Self.checkEncoding(scanner.unreadBytes, path: path)
        if scanner.unreadBytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.index += 3 }
        if let line = Self.firstLineOfLegacyEncoding(scanner.unreadBytes) {
            throw CSVFileError(path: path, kind: .notUTF8(line: line))
        }
        let chosen = delimiter ?? CSVDelimiterSniffer.sniff(
            UnsafeBufferPointer(rebasing: scanner.unreadBytes.prefix(16_384)),
            isWholeInput: scanner.bufferCount < scanner.blockSize && scanner.unreadBytes.count <= 16_384)
        self.delimiter = chosen
        scanner.configure(delimiter: chosen)

        // Header: the first non-blank record, under tighter limits (a garbage first line must not use much memory).
        scanner.maxFieldBytes = min(self.maxFieldBytes, Self.maxHeaderNameBytes)
        scanner.maxStoredFields = Self.maxHeaderColumns
        repeat {
            guard try scanner.readRecord() else { throw CSVFileError(path: path, kind: .empty) }
        } while scanner.isBlankRecord
        header = try Self.headerNames(scanner, path: path)
        lowercasedHeader = header.map { $0.lowercased() }
        (duplicateHeaderNames, emptyHeaderColumns) = Self.headerOddities(header)
        scanner.maxFieldBytes = self.maxFieldBytes
        scanner.maxStoredFields = header.count + 64  // extra fields of a row are counted, not kept
        dataStart = CSVPosition(byteOffset: scanner.offset, line: scanner.line, dataRow: 0)

        if let resumeAt {
            guard resumeAt.byteOffset >= dataStart.byteOffset, resumeAt.byteOffset <= identity.size,
                  resumeAt.line >= dataStart.line, resumeAt.dataRow >= 0 else {
                throw CSVFileError(path: path, kind: .invalidResumePosition(resumeAt))
            }
            try scanner.seek(to: resumeAt.byteOffset, line: resumeAt.line)
            dataRow = resumeAt.dataRow
            position = resumeAt
        } else {
            dataRow = 0
            position = dataStart
            guard let first = try readDataRecord() else { throw CSVFileError(path: path, kind: .headerOnly) }
            pending = first
        }
    }

    deinit { scanner.closeFile() }

    /// Header limits: more columns, or a longer name, make the header malformed.
    static let maxHeaderColumns = 4096, maxHeaderNameBytes = 4096

    /// Index of the column whose trimmed name equals `named`, ignoring case and surrounding whitespace.
    public func columnIndex(named: String) -> Int? {
        let wanted = named.trimmingWhitespace().lowercased()
        return lowercasedHeader.firstIndex(of: wanted)
    }

    /// Index of the first header column matching any of `names` (case-insensitive, trimmed).
    ///
    /// Lets callers accept synonyms, e.g. `["phone", "msisdn", "telefone"]`.
    public func columnIndex(anyOf names: [String]) -> Int? {
        let wanted = Set(names.map { $0.trimmingWhitespace().lowercased() })
        return lowercasedHeader.firstIndex { wanted.contains($0) }
    }

    /// The next data record, or `nil` at the end of the file; throws only on I/O errors.
    public func next() throws(CSVFileError) -> CSVRecord? {
        if let first = pending {
            pending = nil
            position = first.end
            return first.record
        }
        guard let (record, end) = try readDataRecord() else { return nil }
        position = end
        return record
    }

    /// The identity of the open file as it is now (nil once closed): differs from `fileIdentity` when the
    /// file was written to since it was opened.
    public func currentIdentity() -> CSVFileIdentity? {
        scanner.fd < 0 ? nil : CSVFileIdentity.of(fd: scanner.fd)
    }

    /// Closes the file; `next()` then returns `nil`. Also done on deinit.
    public func close() {
        pending = nil
        scanner.closeFile()
    }

    // MARK: - Internals

    private func readDataRecord() throws(CSVFileError) -> (record: CSVRecord, end: CSVPosition)? {
        while true {
            guard try scanner.readRecord() else { return nil }
            if scanner.isBlankRecord {
                blankLinesSkipped += 1
                continue
            }
            dataRow += 1
            var problem = scanner.problem
            if problem == nil && scanner.fieldTotal != header.count {
                problem = .fieldCount(expected: header.count, found: scanner.fieldTotal)
            }
            var badColumn = 0
            let scanner = self.scanner
            // One array reused for every record: when the caller has let go of the previous record (the
            // usual loop), no allocation; when it kept it, copy-on-write leaves that record intact.
            fields.removeAll(keepingCapacity: true)
            for i in 0..<scanner.storedFieldCount {
                let bytes = scanner.fieldBytes(i)
                if let text = UTF8Validation.string(bytes) {
                    fields.append(text)
                } else {
                    fields.append(String(decoding: bytes, as: UTF8.self))
                    if badColumn == 0 { badColumn = i + 1 }
                }
            }
            if problem == nil && badColumn > 0 { problem = .invalidUTF8(column: badColumn) }
            let record = CSVRecord(line: scanner.recordLine, dataRow: dataRow, fields: fields, problem: problem)
            return (record, CSVPosition(byteOffset: scanner.offset, line: scanner.line, dataRow: dataRow))
        }
    }

    private static func openFile(_ path: String) throws(CSVFileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw CSVFileError(path: path, kind: openFailureKind(errno)) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            systemClose(fd)
            throw CSVFileError(path: path, kind: .isDirectory)
        }
        return fd
    }

    /// Maps an `open(2)` errno to the error kind shown to the operator.
    static func openFailureKind(_ code: Int32) -> CSVFileError.Kind {
        switch code {
        case ENOENT, ENOTDIR: .notFound
        case EACCES, EPERM: .permissionDenied
        case EISDIR: .isDirectory
        default: .openFailed(errno: code)
        }
    }

    /// Rejects workbooks, UTF-16 and binary data before any parsing.
    private static func checkEncoding(_ block: UnsafeBufferPointer<UInt8>, path: String) throws(CSVFileError) {
        if block.starts(with: [0x50, 0x4B, 0x03, 0x04]) { throw CSVFileError(path: path, kind: .spreadsheetWorkbook) }
        if block.starts(with: [0xFF, 0xFE]) || block.starts(with: [0xFE, 0xFF]) {
            throw CSVFileError(path: path, kind: .utf16)
        }
        // Text never has many NULs; binary files (and BOM-less UTF-16) do. A stray NUL in a row is a row problem.
        let head = block.prefix(8192)
        let nulCount = head.count { $0 == 0 }
        if nulCount >= 8 && nulCount * 100 >= head.count { throw CSVFileError(path: path, kind: .binary) }
    }

    /// The first invalid line when the complete lines of the first block are largely not UTF-8, else `nil`.
    ///
    /// Spreadsheets on Windows save "CSV" as Windows-1252: then every accented name is invalid, and failing the
    /// whole file with a clear fix beats rejecting a third of the rows. At least 2 invalid lines, and at least 5%
    /// of the lines, are needed; a single corrupt row stays a row problem.
    static func firstLineOfLegacyEncoding(_ block: UnsafeBufferPointer<UInt8>) -> Int? {
        if UTF8Validation.isASCII(block) { return nil }
        var lines = 0, invalid = 0, firstInvalid = 0
        var start = 0
        for i in 0..<block.count where block[i] == CSVScanner.lf {
            lines += 1
            if !UTF8Validation.isValid(UnsafeBufferPointer(rebasing: block[start..<i])) {
                invalid += 1
                if firstInvalid == 0 { firstInvalid = lines }
            }
            start = i + 1
        }
        return invalid >= 2 && invalid * 20 >= lines ? firstInvalid : nil
    }

    private static func headerNames(_ scanner: CSVScanner, path: String) throws(CSVFileError) -> [String] {
        switch scanner.problem {
        case .nulByte?: throw CSVFileError(path: path, kind: .binary)
        case let problem?: throw CSVFileError(path: path, kind: .malformedHeader(problem.reason))
        case nil: break
        }
        var names: [String] = []
        for i in 0..<scanner.storedFieldCount {
            guard let name = UTF8Validation.string(scanner.fieldBytes(i)) else {
                throw CSVFileError(path: path, kind: .notUTF8(line: scanner.recordLine))
            }
            // Also drop zero-width marks (a second BOM, U+200B) that spreadsheets leave in header cells.
            var scalars = name.unicodeScalars
            scalars.removeAll { $0.value == 0xFEFF || $0.value == 0x200B }
            names.append(String(String(scalars).trimmingWhitespace()))
        }
        if scanner.fieldTotal > names.count {
            throw CSVFileError(path: path, kind: .malformedHeader("more than \(maxHeaderColumns) columns"))
        }
        return names
    }

    private static func headerOddities(_ header: [String]) -> (duplicates: [String], empty: [Int]) {
        var seen = Set<String>()
        var duplicates: [String] = []
        var empty: [Int] = []
        for (i, name) in header.enumerated() {
            if name.isEmpty {
                empty.append(i)
                continue
            }
            if !seen.insert(name.lowercased()).inserted && !duplicates.contains(name) { duplicates.append(name) }
        }
        return (duplicates, empty)
    }
}

/// `close(2)`, reachable from inside `CSVReader` whose own `close()` hides the C function.
private func systemClose(_ fd: Int32) {
    _ = close(fd)
}
