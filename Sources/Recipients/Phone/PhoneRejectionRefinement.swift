/// Turns generic parse failures into the CSV-specific rejections `empty` and `spreadsheetMangled`.
///
/// Judged on the raw input bytes, and only after a parse failed, so the
/// accept/reject decision stays exactly libphonenumber's.
enum PhoneRejectionRefinement {
    /// Replaces generic rejections with friendlier ones (empty cell, Excel notation), judged on the raw input.
    static func refine(_ rejection: PhoneRejection, input: UnsafeBufferPointer<UInt8>) -> PhoneRejection {
        // Trim ASCII whitespace and U+00A0 (C2 A0).
        var start = 0, end = input.count
        while true {
            if start < end, isBlank(input[start]) {
                start += 1
            } else if start + 1 < end, input[start] == 0xC2, input[start + 1] == 0xA0 {
                start += 2
            } else { break }
        }
        while true {
            if end > start, isBlank(input[end - 1]) {
                end -= 1
            } else if end - 1 > start, input[end - 2] == 0xC2, input[end - 1] == 0xA0 {
                end -= 2
            } else { break }
        }
        if start == end { return .empty }
        if isScientificNotation(UnsafeBufferPointer(rebasing: input[start..<end])) { return .spreadsheetMangled }
        return rejection
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 32 || byte == 9 || byte == 10 || byte == 13
    }

    /// `[+-]?\d+([.,]\d+)?[eE][+-]?\d+` over ASCII bytes.
    private static func isScientificNotation(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func digits() -> Int {
            let first = index
            while index < text.count, text[index] &- 48 < 10 { index += 1 }
            return index - first
        }
        if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { return false }
        if index < text.count, text[index] == UInt8(ascii: ".") || text[index] == UInt8(ascii: ",") {
            index += 1
            guard digits() > 0 else { return false }
        }
        guard index < text.count, text[index] | 0x20 == UInt8(ascii: "e") else { return false }
        index += 1
        if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
        return digits() > 0 && index == text.count
    }
}
