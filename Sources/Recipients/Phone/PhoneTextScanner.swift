/// libphonenumber's text-level steps over classified codes (see `PhoneCharacterClass`).
///
/// Mirrors `_extract_possible_number`, `_is_viable_phone_number` and
/// `_maybe_strip_extension` of the python port, hand-written over bytes instead
/// of regular expressions. Extension labels in full-width letters, Cyrillic
/// "доб" and accented "extensión" use dedicated codes from `PhoneCharacterClass`.
struct PhoneTextScanner {
    /// Classified input, one code per Unicode scalar.
    let codes: UnsafeMutableBufferPointer<UInt8>

    private typealias Class = PhoneCharacterClass

    /// The region of the input that may hold a number (`_extract_possible_number`); nil when there is none.
    func extractPossibleNumber(count: Int) -> Range<Int>? {
        var start = 0
        while start < count, !(Class.isDigit(codes[start]) || codes[start] == UInt8(ascii: "+")) { start += 1 }
        guard start < count else { return nil }
        var end = count
        while end > start, !(codes[end - 1] == UInt8(ascii: "#") || Class.isWordNotUnderscore(codes[end - 1])) {
            end -= 1
        }
        // A second number: "[\\/] *x".
        var index = start
        while index < end {
            let code = codes[index]
            if code == UInt8(ascii: "/") || code == UInt8(ascii: "\\") {
                var next = index + 1
                while next < end, codes[next] == UInt8(ascii: " ") { next += 1 }
                if next < end, codes[next] == UInt8(ascii: "x") {
                    end = index
                    break
                }
            }
            index += 1
        }
        return start..<end
    }

    /// `_is_viable_phone_number`: two bare digits, or 3+ digits with punctuation, letters and an extension.
    func isViable(_ range: Range<Int>) -> Bool {
        guard range.count >= 2 else { return false }
        if range.count == 2, Class.isDigit(codes[range.lowerBound]), Class.isDigit(codes[range.lowerBound + 1]) {
            return true
        }
        if matchesMainPattern(range) { return true }
        guard mayHoldExtension(range) else { return false }
        for split in range where matchesExtension(from: split, to: range.upperBound) {
            if matchesMainPattern(range.lowerBound..<split) { return true }
        }
        return false
    }

    /// `_maybe_strip_extension`: the range without a trailing extension, when one is found.
    func strippingExtension(_ range: Range<Int>) -> Range<Int> {
        guard mayHoldExtension(range) else { return range }
        for split in range where matchesExtension(from: split, to: range.upperBound) {
            return isViable(range.lowerBound..<split) ? range.lowerBound..<split : range
        }
        return range
    }

    /// True when `range` is a vanity number: 3+ ASCII letters, as `(?:.*?[A-Za-z]){3}.*` fully matched
    /// (so no line feed anywhere, which `.` cannot match).
    func isVanityNumber(_ range: Range<Int>) -> Bool {
        var letters = 0
        for index in range {
            let code = codes[index]
            if Class.isLetter(code) { letters += 1 } else if code == UInt8(ascii: "\n") { return false }
        }
        return letters >= 3
    }

    // MARK: - Main pattern

    /// `[+]*(?:[punct*]*\d){3,}[punct*alpha\d]*`, fully matched.
    private func matchesMainPattern(_ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index < range.upperBound, codes[index] == UInt8(ascii: "+") { index += 1 }
        var leadingDigits = 0
        var sawLetter = false
        while index < range.upperBound {
            let code = codes[index]
            if Class.isDigit(code) {
                if !sawLetter { leadingDigits += 1 }
            } else if Class.isPunctuation(code) || code == UInt8(ascii: "*") {
                // allowed anywhere
            } else if Class.isLetter(code) {
                if leadingDigits < 3 { return false }
                sawLetter = true
            } else {
                return false
            }
            index += 1
        }
        return leadingDigits >= 3
    }

    // MARK: - Extensions

    /// Cheap pre-check: extensions need a letter, `#`, `,`, `;`, `~` or a tab.
    private func mayHoldExtension(_ range: Range<Int>) -> Bool {
        for index in range {
            let code = codes[index]
            if Class.isLetter(code) || code >= Class.fullwidthE { return true }
            switch code {
            case UInt8(ascii: "#"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "~"), UInt8(ascii: "\t"):
                return true
            default:
                continue
            }
        }
        return false
    }

    /// `e?xt(?:ensi(?:o\u0301?|ó))?n?|ｅ?ｘｔｎ?|доб|anexo`, expanded, letters folded to lowercase.
    private static let explicitLabels: [[UInt8]] = {
        let acute = [Class.combiningAcute], oAcute = [Class.oAcute]
        let fullE = [Class.fullwidthE], fullX = [Class.fullwidthX], fullT = [Class.fullwidthT], fullN = [Class.fullwidthN]
        var labels: [[UInt8]] = []
        for head in ["ext", "xt"] {
            for middle: [UInt8] in [[], Array("ensio".utf8), Array("ensio".utf8) + acute, Array("ensi".utf8) + oAcute] {
                for tail in ["", "n"] { labels.append(Array(head.utf8) + middle + Array(tail.utf8)) }
            }
        }
        for head in [[], fullE] {
            for tail in [[], fullN] { labels.append(head + fullX + fullT + tail) }
        }
        labels.append([Class.cyrillicDe, Class.cyrillicO, Class.cyrillicBe])
        labels.append(Array("anexo".utf8))
        return labels
    }()

    /// `[xｘ#＃~～]|int|ｉｎｔ`.
    private static let ambiguousLabels: [[UInt8]] = ["x", "#", "~", "int"].map { Array($0.utf8) } + [
        [Class.fullwidthX], [Class.fullwidthHash], [Class.fullwidthTilde],
        [Class.fullwidthI, Class.fullwidthN, Class.fullwidthT],
    ]

    /// True when one of libphonenumber's extension forms spans `start..<end` exactly.
    private func matchesExtension(from start: Int, to end: Int) -> Bool {
        // ;ext=123
        if let after = matchLabel(Array(";ext=".utf8), at: start, end: end),
           digitTail(from: after, to: end, maxDigits: 20, hash: .forbidden) { return true }
        // [ \t,]* label [:.]? [ \t,-]* digits #?
        var index = start
        while index < end, isSeparator(codes[index], comma: true) { index += 1 }
        for (labels, maxDigits) in [(Self.explicitLabels, 20), (Self.ambiguousLabels, 9)] {
            for label in labels {
                if let after = matchLabel(label, at: index, end: end),
                   labelTail(from: after, to: end, maxDigits: maxDigits) { return true }
            }
        }
        // [- ]+ digits #   (American "- 503#")
        index = start
        while index < end, codes[index] == UInt8(ascii: "-") || codes[index] == UInt8(ascii: " ") { index += 1 }
        if index > start, digitTail(from: index, to: end, maxDigits: 6, hash: .required) { return true }
        // [ \t]* (,,|;) ...   and   [ \t]* ,+ ...
        index = start
        while index < end, isSeparator(codes[index], comma: false) { index += 1 }
        if index + 1 < end, codes[index] == UInt8(ascii: ","), codes[index + 1] == UInt8(ascii: ","),
           labelTail(from: index + 2, to: end, maxDigits: 15) { return true }
        if index < end, codes[index] == UInt8(ascii: ";"), labelTail(from: index + 1, to: end, maxDigits: 15) {
            return true
        }
        if index < end, codes[index] == UInt8(ascii: ",") {
            var after = index
            while after < end, codes[after] == UInt8(ascii: ",") { after += 1 }
            if labelTail(from: after, to: end, maxDigits: 9) { return true }
        }
        return false
    }

    private enum HashRule { case optional, required, forbidden }

    /// `[:.]?[ \t,-]*(\d{1,max})#?$`
    private func labelTail(from start: Int, to end: Int, maxDigits: Int) -> Bool {
        var index = start
        if index < end, codes[index] == UInt8(ascii: ":") || codes[index] == UInt8(ascii: ".")
            || codes[index] == Class.fullwidthFullStop { index += 1 }
        while index < end, isSeparator(codes[index], comma: true) || codes[index] == UInt8(ascii: "-") { index += 1 }
        return digitTail(from: index, to: end, maxDigits: maxDigits, hash: .optional)
    }

    /// `(\d{1,max})` then `#` per `hash`, then the end.
    private func digitTail(from start: Int, to end: Int, maxDigits: Int, hash: HashRule) -> Bool {
        var index = start
        while index < end, Class.isDigit(codes[index]) { index += 1 }
        let digits = index - start
        guard digits >= 1, digits <= maxDigits else { return false }
        switch hash {
        case .forbidden: return index == end
        case .required: return index + 1 == end && codes[index] == UInt8(ascii: "#")
        case .optional: return index == end || (index + 1 == end && codes[index] == UInt8(ascii: "#"))
        }
    }

    /// `[ \u{A0}\t,]` (with `comma`) or `[ \u{A0}\t]`.
    private func isSeparator(_ code: UInt8, comma: Bool) -> Bool {
        code == UInt8(ascii: " ") || code == Class.noBreakSpace || code == UInt8(ascii: "\t")
            || (comma && code == UInt8(ascii: ","))
    }

    /// Case-insensitive match of an ASCII `label` at `index`; returns the index after it.
    private func matchLabel(_ label: [UInt8], at index: Int, end: Int) -> Int? {
        guard index + label.count <= end else { return nil }
        for (offset, expected) in label.enumerated() {
            let code = codes[index + offset]
            let folded = Class.isLetter(code) ? code | 0x20 : code
            if folded != expected { return nil }
        }
        return index + label.count
    }

    /// First index of the ASCII `needle` within `range`, if any.
    func find(_ needle: StaticString, in range: Range<Int>) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard range.count >= count else { return nil }
        let bytes = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        for start in range.lowerBound...(range.upperBound - count) {
            var matched = true
            for offset in 0..<count where codes[start + offset] != bytes[offset] {
                matched = false
                break
            }
            if matched { return start }
        }
        return nil
    }

    /// True when `range` contains a `;` (needed by every RFC 3966 parameter).
    func containsSemicolon(_ range: Range<Int>) -> Bool {
        range.contains { codes[$0] == UInt8(ascii: ";") }
    }
}
