/// A `--message` text with `{{column}}` / `{{column|default}}` placeholders, compiled against a CSV header.
///
/// Compiled once into literal and column segments so each row renders with plain appends (millions per
/// second). Cell values are inserted trimmed; a cell empty after trimming takes the placeholder's default,
/// or fails the row with `TemplateRowError.emptyValue` when there is none.
public struct MessageTemplate: Sendable {
    /// The template as given.
    public let text: String
    /// The compiled pieces.
    let segments: [TemplateSegment]
    /// Distinct header indexes used by placeholders, in order of first use.
    public let placeholderColumns: [Int]

    /// Compiles `text` against `header` (names matched case-insensitively, trimmed).
    ///
    /// Throws for an unknown column (naming it and listing the available ones), an unclosed `{{`,
    /// or a placeholder without a name.
    public init(_ text: String, header: [String]) throws(TemplateError) {
        self.text = text
        segments = try TemplateParser.compile(text, header: header)
        var columns: [Int] = []
        for case .column(let index, _, _) in segments where !columns.contains(index) { columns.append(index) }
        placeholderColumns = columns
    }

    /// False when the text has no placeholders: every recipient gets the same message.
    public var isPersonalised: Bool { !placeholderColumns.isEmpty }

    /// The message for one row; `fields` shorter than the header count as empty cells.
    public func render(_ fields: [String]) -> Result<String, TemplateRowError> {
        if !isPersonalised { return .success(text) }
        // Upper bound of the output size, so the text is written once into a single allocation.
        var capacity = 0
        for segment in segments {
            switch segment {
            case .literal(let literal):
                capacity += literal.utf8.count
            case let .column(index, _, fallback):
                let cell = index < fields.count ? fields[index].utf8.count : 0
                capacity += max(cell, fallback?.utf8.count ?? 0)
            }
        }
        var failure: TemplateRowError?
        let output = String(unsafeUninitializedCapacity: capacity) { buffer -> Int in
            var written = 0
            for segment in segments {
                switch segment {
                case .literal(let literal):
                    written = Self.copy(literal[...], into: buffer, at: written)
                case let .column(index, name, fallback):
                    let value = index < fields.count ? fields[index].trimmingWhitespace() : ""
                    if !value.isEmpty {
                        written = Self.copy(value, into: buffer, at: written)
                    } else if let fallback {
                        written = Self.copy(fallback[...], into: buffer, at: written)
                    } else {
                        failure = .emptyValue(column: name)
                        return 0
                    }
                }
            }
            return written
        }
        if let failure { return .failure(failure) }
        return .success(output)
    }

    /// Copies the UTF-8 of `text` into `buffer` at `offset`; returns the new end offset.
    @inline(__always)
    private static func copy(_ text: Substring, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        let copied = text.utf8.withContiguousStorageIfAvailable { source -> Int in
            guard let base = source.baseAddress, source.count > 0 else { return 0 }
            (buffer.baseAddress! + offset).update(from: base, count: source.count)
            return source.count
        }
        if let copied { return offset + copied }
        var end = offset
        for byte in text.utf8 {
            buffer[end] = byte
            end += 1
        }
        return end
    }
}
