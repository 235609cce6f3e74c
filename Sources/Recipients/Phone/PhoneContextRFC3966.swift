/// RFC 3966 `;phone-context=` handling of libphonenumber's `_build_national_number_for_parsing`.
///
/// For input such as "tel:20 7031 3000;phone-context=+44" the number to parse
/// becomes the context (when it is a `+` global number) followed by whatever
/// sits between "tel:" and ";phone-context=". Rare in CSV files, but cheap to
/// mirror, and it keeps agreement exact on such inputs.
struct PhoneContextRFC3966 {
    /// Classified input (see `PhoneCharacterClass`).
    let codes: UnsafeMutableBufferPointer<UInt8>

    private typealias Class = PhoneCharacterClass

    /// Result of rewriting: the number's range in `codes`, or a rejection for an invalid context.
    enum Outcome {
        /// No `;phone-context=` parameter: use the usual extraction.
        case absent
        /// The context value is not a global number nor a domain name.
        case invalid
        /// The rewritten number now fills `codes[0..<count]`.
        case rewritten(count: Int)
    }

    /// Rewrites `codes[0..<count]` in place when it holds a `;phone-context=` parameter.
    func rewrite(count: Int, scanner: PhoneTextScanner, spare: UnsafeMutableBufferPointer<UInt8>) -> Outcome {
        guard scanner.containsSemicolon(0..<count),
              let marker = scanner.find(";phone-context=", in: 0..<count) else { return .absent }
        let contextStart = marker + 15
        var contextEnd = contextStart
        while contextEnd < count, codes[contextEnd] != UInt8(ascii: ";") { contextEnd += 1 }
        let context = contextStart..<contextEnd
        guard isGlobalNumber(context) || isDomainName(context) else { return .invalid }
        var length = 0
        if codes[contextStart] == UInt8(ascii: "+") {
            for index in context { spare[length] = codes[index]; length += 1 }
        }
        var nationalStart = 0
        if let tel = scanner.find("tel:", in: 0..<count) { nationalStart = tel + 4 }
        if nationalStart < marker {
            for index in nationalStart..<marker { spare[length] = codes[index]; length += 1 }
        }
        for index in 0..<length { codes[index] = spare[index] }
        return .rewritten(count: length)
    }

    /// `^\+(\d|[-.()]?)*\d(\d|[-.()]?)*$`: `+`, then digits and visual separators, one digit at least.
    private func isGlobalNumber(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty, codes[range.lowerBound] == UInt8(ascii: "+") else { return false }
        var digits = 0
        for index in range.dropFirst() {
            let code = codes[index]
            if Class.isDigit(code) {
                digits += 1
            } else if !(code == UInt8(ascii: "-") || code == UInt8(ascii: ".") || code == UInt8(ascii: "(")
                        || code == UInt8(ascii: ")")) {
                return false
            }
        }
        return digits > 0
    }

    /// `^([alnum]+(-*[alnum])*\.)*[alpha]+(-*[alnum])*\.?$`.
    private func isDomainName(_ range: Range<Int>) -> Bool {
        guard !range.isEmpty else { return false }
        var end = range.upperBound
        if codes[end - 1] == UInt8(ascii: ".") { end -= 1 }
        var labelStart = range.lowerBound
        var index = range.lowerBound
        while true {
            if index == end || codes[index] == UInt8(ascii: ".") {
                guard isLabel(labelStart..<index) else { return false }
                if index == end { return Class.isLetter(codes[labelStart]) }
                labelStart = index + 1
            }
            index += 1
        }
    }

    /// An alphanumeric label; inner hyphens allowed, not at either end.
    private func isLabel(_ range: Range<Int>) -> Bool {
        guard let first = range.first, let last = range.last else { return false }
        let isAlphanumeric = { (code: UInt8) in Class.isLetter(code) || Class.isDigit(code) }
        guard isAlphanumeric(codes[first]), isAlphanumeric(codes[last]) else { return false }
        return range.allSatisfy { isAlphanumeric(codes[$0]) || codes[$0] == UInt8(ascii: "-") }
    }
}
