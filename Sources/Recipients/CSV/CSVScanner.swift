#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte-level record scanner behind `CSVReader`: block I/O plus the RFC 4180 state machine.
///
/// It reads the file with read(2) in fixed blocks and copies each record's field bytes into a reusable scratch
/// area, so a record may span any number of blocks while memory stays bounded: fields are cut at
/// `maxFieldBytes` (the rest skipped) and fields beyond `maxStoredFields` are counted but not kept.
/// Scanning runs over raw pointers with a 256-entry stop table, one load and compare per byte.
final class CSVScanner {
    static let quote: UInt8 = 0x22
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D

    let path: String
    private(set) var fd: Int32
    let blockSize: Int
    let buffer: UnsafeMutablePointer<UInt8>
    /// Valid bytes in `buffer`.
    var bufferCount = 0
    /// Next unread byte in `buffer`.
    var index = 0
    /// File offset of `buffer[0]`.
    private(set) var bufferOffset: Int64 = 0
    private(set) var reachedEOF = false
    /// Physical line number of the byte at `index`.
    var line = 1

    // Configuration.
    private(set) var delimiter: UInt8 = 0x2C
    var maxFieldBytes = 65_536
    var maxStoredFields = 1 << 16
    /// Bytes that end an unquoted run: delimiter, CR, LF, NUL.
    private let stops: UnsafeMutablePointer<Bool>

    // The current record.
    private(set) var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity: Int
    private(set) var scratchCount = 0
    /// End offset in `scratch` of each stored field (raw storage: no exclusivity checks in the hot loop).
    private var fieldEnds: UnsafeMutablePointer<Int>
    private var fieldEndsCapacity: Int
    /// Number of fields stored for the record just read.
    private(set) var storedFieldCount = 0
    /// All fields of the record, stored or not.
    private(set) var fieldTotal = 0
    /// Bytes seen in the current field, kept or not.
    private var fieldLength = 0
    private(set) var problem: CSVRowProblem?
    private(set) var recordLine = 1
    private(set) var anyQuoted = false
    /// Just after the first line break inside the current quoted field: where to resume if the quote never closes.
    private var recovery: (offset: Int64, line: Int, scratchCount: Int)?

    init(fd: Int32, path: String, blockSize: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        self.blockSize = blockSize
        buffer = .allocate(capacity: blockSize)
        scratchCapacity = 4096
        scratch = .allocate(capacity: scratchCapacity)
        stops = .allocate(capacity: 256)
        stops.initialize(repeating: false, count: 256)
        fieldEndsCapacity = 16
        fieldEnds = .allocate(capacity: fieldEndsCapacity)
        configure(delimiter: 0x2C)
    }

    deinit {
        closeFile()
        buffer.deallocate()
        scratch.deallocate()
        fieldEnds.deallocate()
        stops.deinitialize(count: 256)
        stops.deallocate()
    }

    func configure(delimiter: UInt8) {
        stops.update(repeating: false, count: 256)
        self.delimiter = delimiter
        stops[Int(delimiter)] = true
        stops[Int(Self.cr)] = true
        stops[Int(Self.lf)] = true
        stops[0] = true
    }

    func closeFile() {
        if fd >= 0 { _ = close(fd) }
        fd = -1
        bufferCount = 0
        index = 0
        reachedEOF = true
    }

    /// File offset of the next unread byte.
    var offset: Int64 { bufferOffset + Int64(index) }

    /// The unread bytes of the current block (used for sniffing before any record is read).
    var unreadBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: buffer + index, count: bufferCount - index)
    }

    /// Replaces the consumed block with the next one; `false` at end of file. Call only when `index == bufferCount`.
    func fill() throws(CSVFileError) -> Bool {
        if reachedEOF { return false }
        bufferOffset += Int64(bufferCount)
        bufferCount = 0
        index = 0
        while true {
            let n = read(fd, buffer, blockSize)
            if n > 0 {
                bufferCount = n
                return true
            }
            if n == 0 {
                reachedEOF = true
                return false
            }
            let code = errno
            if code == EINTR { continue }
            throw CSVFileError(path: path, kind: .readFailed(errno: code))
        }
    }

    /// Moves to `offset` (which must start a record), forgetting the buffered block.
    func seek(to offset: Int64, line: Int) throws(CSVFileError) {
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw CSVFileError(path: path, kind: .readFailed(errno: errno))
        }
        bufferOffset = offset
        bufferCount = 0
        index = 0
        reachedEOF = false
        self.line = line
    }

    /// Moves back to `offset` after reaching end of file; `false` if the file cannot seek (a pipe).
    private func reposition(to offset: Int64, line: Int) -> Bool {
        guard fd >= 0, lseek(fd, off_t(offset), SEEK_SET) >= 0 else { return false }
        bufferOffset = offset
        bufferCount = 0
        index = 0
        reachedEOF = false
        self.line = line
        return true
    }

    /// True when the record just read has no content: only spaces/tabs and delimiters, nothing quoted.
    var isBlankRecord: Bool {
        if anyQuoted || problem != nil { return false }
        for i in 0..<scratchCount where scratch[i] != 0x20 && scratch[i] != 0x09 { return false }
        return true
    }

    /// The bytes of stored field `i` of the record just read.
    func fieldBytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let start = i == 0 ? 0 : fieldEnds[i - 1]
        assert(i < storedFieldCount)
        return UnsafeBufferPointer(start: scratch + start, count: fieldEnds[i] - start)
    }

    @inline(__always)
    private func note(_ found: CSVRowProblem) {
        if problem == nil { problem = found }
    }

    private func growScratch(toHold extra: Int) {
        var capacity = scratchCapacity
        while capacity < scratchCount + extra { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: scratch, count: scratchCount)
        scratch.deallocate()
        scratch = grown
        scratchCapacity = capacity
    }

    /// Appends bytes to the current field, honouring the field-length limit.
    @inline(__always)
    private func append(_ source: UnsafePointer<UInt8>, _ count: Int) {
        if count == 0 { return }
        let before = fieldLength
        fieldLength += count
        var take = count
        if fieldLength > maxFieldBytes {
            take = max(0, maxFieldBytes - before)
            if before <= maxFieldBytes {
                note(.fieldTooLong(column: fieldTotal + 1, limit: maxFieldBytes))
                while take > 0 && source[take] & 0xC0 == 0x80 { take -= 1 }  // cut between characters
            }
            if take == 0 { return }
        }
        if scratchCount + take > scratchCapacity { growScratch(toHold: take) }
        (scratch + scratchCount).update(from: source, count: take)
        scratchCount += take
    }

    @inline(__always)
    private func endField() {
        fieldTotal += 1
        fieldLength = 0
        if storedFieldCount < maxStoredFields {
            if storedFieldCount == fieldEndsCapacity {
                let grown = UnsafeMutablePointer<Int>.allocate(capacity: fieldEndsCapacity * 2)
                grown.update(from: fieldEnds, count: storedFieldCount)
                fieldEnds.deallocate()
                fieldEnds = grown
                fieldEndsCapacity *= 2
            }
            fieldEnds[storedFieldCount] = scratchCount
            storedFieldCount += 1
        } else {
            scratchCount = storedFieldCount == 0 ? 0 : fieldEnds[storedFieldCount - 1]
        }
    }

    /// Reads the next physical record (blank ones included); `false` when no bytes are left.
    func readRecord() throws(CSVFileError) -> Bool {
        scratchCount = 0
        storedFieldCount = 0
        fieldTotal = 0
        fieldLength = 0
        problem = nil
        anyQuoted = false
        recordLine = line
        if index >= bufferCount, try !fill() { return false }
        let quote = Self.quote, lf = Self.lf, cr = Self.cr, delimiter = self.delimiter

        fieldLoop: while true {
            if index >= bufferCount, try !fill() {  // end of file right after a delimiter
                endField()
                return true
            }
            if buffer[index] == quote {
                anyQuoted = true
                index += 1
                recovery = nil
                quoted: while true {
                    var j = index
                    while j < bufferCount {
                        let b = buffer[j]
                        if b == quote || b == lf || b == cr || b == 0 { break }
                        j += 1
                    }
                    append(buffer + index, j - index)
                    index = j
                    if index >= bufferCount {
                        if try fill() { continue quoted }
                        problem = .unterminatedQuote  // overrides: it explains any other problem
                        if let recovery, reposition(to: recovery.offset, line: recovery.line) {
                            // A stray opening quote: keep the field up to the end of its line and go on from the
                            // next line, so one typo does not swallow the rest of the file.
                            scratchCount = recovery.scratchCount
                        }
                        endField()
                        return true
                    }
                    let b = buffer[index]
                    index += 1
                    if b == quote {
                        if index >= bufferCount, try !fill() {
                            endField()
                            return true
                        }
                        if buffer[index] == quote {
                            append(buffer + index, 1)
                            index += 1
                            continue quoted
                        }
                        break quoted  // closing quote: anything up to the delimiter is kept as-is
                    } else if b == lf {
                        let kept = scratchCount
                        append(buffer + index - 1, 1)
                        line += 1
                        if recovery == nil { recovery = (offset, line, kept) }
                    } else if b == cr {
                        let kept = scratchCount
                        append(buffer + index - 1, 1)
                        line += 1
                        if index >= bufferCount, try !fill() { continue quoted }
                        if buffer[index] == lf {
                            append(buffer + index, 1)
                            index += 1
                        }
                        if recovery == nil { recovery = (offset, line, kept) }
                    } else {
                        note(.nulByte(column: fieldTotal + 1))
                    }
                }
            }
            // Unquoted field, or what follows a closing quote.
            let stops = self.stops
            while true {
                var j = index
                while j < bufferCount && !stops[Int(buffer[j])] { j += 1 }
                append(buffer + index, j - index)
                index = j
                if index >= bufferCount {
                    if try fill() { continue }
                    endField()
                    return true
                }
                let b = buffer[index]
                index += 1
                if b == delimiter {
                    endField()
                    continue fieldLoop
                } else if b == lf {
                    line += 1
                    endField()
                    return true
                } else if b == cr {
                    line += 1
                    if index >= bufferCount { _ = try fill() }
                    if index < bufferCount && buffer[index] == lf { index += 1 }
                    endField()
                    return true
                } else {
                    note(.nulByte(column: fieldTotal + 1))
                }
            }
        }
    }
}
