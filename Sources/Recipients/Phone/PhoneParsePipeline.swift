/// One parse, step by step, following python-phonenumbers' `parse` and `is_valid_number`.
///
/// Works entirely inside caller-provided scratch memory (stack-allocated by
/// `PhoneNumberParser`), so a parse does not allocate unless it fails with a
/// detailed rejection. Digit strings are buffers of digit values 0...9.
struct PhoneParsePipeline {
    /// Scratch bytes needed: classified input, a spare copy of it and three digit buffers.
    static let scratchSize = 2 * maxInput + 3 * digitCapacity
    /// libphonenumber's _MAX_INPUT_STRING_LENGTH.
    static let maxInput = 250
    private static let digitCapacity = 320
    /// libphonenumber's _MIN_LENGTH_FOR_NSN and _MAX_LENGTH_FOR_NSN.
    private static let minNSN = 2, maxNSN = 17

    private typealias Digits = UnsafeBufferPointer<UInt8>
    private typealias Class = PhoneCharacterClass

    let metadata: PhoneMetadata
    private let codes: UnsafeMutableBufferPointer<UInt8>
    /// Room for rewriting `codes` (RFC 3966 phone-context).
    private let spare: UnsafeMutableBufferPointer<UInt8>
    /// Normalised digits of the whole number.
    private let normalized: UnsafeMutableBufferPointer<UInt8>
    /// Output of national-prefix transforms during country-code extraction.
    private let transformedInExtraction: UnsafeMutableBufferPointer<UInt8>
    /// Output of the final national-prefix transform.
    private let transformedFinal: UnsafeMutableBufferPointer<UInt8>

    init(metadata: PhoneMetadata, scratch: UnsafeMutableBufferPointer<UInt8>) {
        self.metadata = metadata
        let capacity = Self.digitCapacity
        codes = UnsafeMutableBufferPointer(rebasing: scratch[0..<Self.maxInput])
        spare = UnsafeMutableBufferPointer(rebasing: scratch[Self.maxInput..<2 * Self.maxInput])
        var start = 2 * Self.maxInput
        normalized = UnsafeMutableBufferPointer(rebasing: scratch[start..<start + capacity])
        start += capacity
        transformedInExtraction = UnsafeMutableBufferPointer(rebasing: scratch[start..<start + capacity])
        start += capacity
        transformedFinal = UnsafeMutableBufferPointer(rebasing: scratch[start..<start + capacity])
    }

    /// Parses `input` with default region index `region`.
    mutating func run(_ input: UnsafeBufferPointer<UInt8>, region: Int?) -> Result<PhoneNumberParser.TypedNumber, PhoneRejection> {
        guard let count = classify(input) else {
            return .failure(.tooLong(PhoneLengthDetail(region: nil, digits: input.count, expectedLengths: [])))
        }
        let result = parseClassified(count: count, region: region)
        if case .failure(let rejection) = result {
            return .failure(PhoneRejectionRefinement.refine(rejection, input: input))
        }
        return result
    }

    // MARK: - Steps

    /// Fills `codes`; nil when the input has more than 250 characters.
    private func classify(_ input: UnsafeBufferPointer<UInt8>) -> Int? {
        var count = 0
        var index = 0
        while index < input.count {
            guard count < Self.maxInput else { return nil }
            let byte = input[index]
            if byte < 0x80 {
                codes[count] = byte
                index += 1
            } else {
                let (scalar, length) = Class.decodeScalar(input, at: index)
                codes[count] = scalar.map(Class.code(for:)) ?? Class.other
                index += length
            }
            count += 1
        }
        return count
    }

    private func parseClassified(count: Int, region: Int?) -> Result<PhoneNumberParser.TypedNumber, PhoneRejection> {
        let scanner = PhoneTextScanner(codes: codes)
        var number: Range<Int>
        switch PhoneContextRFC3966(codes: codes).rewrite(count: count, scanner: scanner, spare: spare) {
        case .invalid:
            return .failure(.notANumber)
        case .rewritten(let length):
            number = 0..<length
        case .absent:
            guard let extracted = scanner.extractPossibleNumber(count: count) else { return .failure(.notANumber) }
            number = extracted
        }
        if scanner.containsSemicolon(number), let isub = scanner.find(";isub=", in: number), isub > number.lowerBound {
            number = number.lowerBound..<isub
        }
        guard scanner.isViable(number) else { return .failure(.notANumber) }
        guard region != nil || codes[number.lowerBound] == UInt8(ascii: "+") else {
            return .failure(.missingRegion)
        }
        number = scanner.strippingExtension(number)

        var extraction = extractCountryCode(number, region: region, scanner: scanner)
        if case .failure(.invalidCountryCode) = extraction, codes[number.lowerBound] == UInt8(ascii: "+") {
            var start = number.lowerBound
            while start < number.upperBound, codes[start] == UInt8(ascii: "+") { start += 1 }
            extraction = extractCountryCode(start..<number.upperBound, region: region, scanner: scanner)
            if case .success(let found) = extraction, found.callingCode == 0 {
                return .failure(.invalidCountryCode)
            }
        }
        guard case .success(let found) = extraction else {
            if case .failure(let rejection) = extraction { return .failure(rejection) }
            return .failure(.notANumber)
        }
        var callingCode = found.callingCode
        var national = found.national
        let metadataIndex: Int
        if callingCode != 0 {
            metadataIndex = metadata.regionsByCallingCode[callingCode][0]
        } else {
            guard let region else { return .failure(.missingRegion) }
            metadataIndex = region
            callingCode = metadata.regions[region].callingCode
        }
        guard national.count >= Self.minNSN else {
            return .failure(.tooShort(detail(region: metadataIndex, digits: national.count)))
        }
        let stripped = stripNationalPrefix(national, region: metadataIndex, into: transformedFinal)
        switch metadata.regions[metadataIndex].checkLength(stripped.count) {
        case .tooShort, .possibleLocalOnly, .invalidLength: break
        case .possible, .tooLong: national = stripped
        }
        guard national.count >= Self.minNSN else {
            return .failure(.tooShort(detail(region: metadataIndex, digits: national.count)))
        }
        guard national.count <= Self.maxNSN else {
            return .failure(.tooLong(detail(region: metadataIndex, digits: national.count)))
        }
        return validate(callingCode: callingCode, national: national)
    }

    /// `is_valid_number` on the parsed number, then E.164 packing; the type comes from the same DFA walk.
    private func validate(callingCode: Int, national: Digits) -> Result<PhoneNumberParser.TypedNumber, PhoneRejection> {
        let candidates = metadata.regionsByCallingCode[callingCode]
        var chosen: Int?
        if candidates.count == 1 {
            chosen = candidates[0]
        } else {
            for candidate in candidates {
                if let leading = metadata.regions[candidate].leadingDigits {
                    if leading.matchPrefix(national) != nil { chosen = candidate; break }
                } else if metadata.isValid(region: candidate, digits: national) {
                    chosen = candidate
                    break
                }
            }
        }
        let typeCode = chosen.map { (metadata.flags(region: $0, digits: national) & PhoneMetadata.typeMask) >> 1 } ?? 0
        guard chosen != nil, let type = PhoneNumberType(code: typeCode) else {
            let region = chosen ?? candidates[0]
            switch metadata.regions[region].checkLength(national.count) {
            case .tooShort: return .failure(.tooShort(detail(region: region, digits: national.count)))
            case .tooLong: return .failure(.tooLong(detail(region: region, digits: national.count)))
            default: return .failure(.invalidForRegion(region: metadata.regions[region].id))
            }
        }
        var value = UInt64(callingCode)
        for digit in national { value = value &* 10 &+ UInt64(digit) }
        return .success(PhoneNumberParser.TypedNumber(number: E164Number(validatedDigits: value), type: type))
    }

    // MARK: - Country code

    private struct Extracted {
        var callingCode: Int
        var national: Digits
    }

    /// `_maybe_extract_country_code`: calling code 0 means "none; use the default region".
    private func extractCountryCode(
        _ range: Range<Int>, region: Int?, scanner: PhoneTextScanner
    ) -> Result<Extracted, PhoneRejection> {
        guard !range.isEmpty else { return .success(Extracted(callingCode: 0, national: Digits(start: nil, count: 0))) }
        var start = range.lowerBound
        var fromDefault = true
        if codes[start] == UInt8(ascii: "+") {
            while start < range.upperBound, codes[start] == UInt8(ascii: "+") { start += 1 }
            fromDefault = false
        }
        let full = normalize(start..<range.upperBound, scanner: scanner)
        var afterPrefix = full
        if fromDefault, let region, let idd = metadata.regions[region].internationalPrefix,
           let match = idd.matchPrefix(full), !(match.end < full.count && full[match.end] == 0) {
            afterPrefix = Digits(rebasing: full[match.end...])
            fromDefault = false
        }
        if !fromDefault {
            guard afterPrefix.count > Self.minNSN else {
                return .failure(.tooShort(PhoneLengthDetail(region: nil, digits: afterPrefix.count, expectedLengths: [])))
            }
            guard afterPrefix[0] != 0 else { return .failure(.invalidCountryCode) }
            var code = 0
            for length in 1...min(3, afterPrefix.count) {
                code = code * 10 + Int(afterPrefix[length - 1])
                if !metadata.regionsByCallingCode[code].isEmpty {
                    return .success(Extracted(callingCode: code, national: Digits(rebasing: afterPrefix[length...])))
                }
            }
            return .failure(.invalidCountryCode)
        }
        if let region {
            let meta = metadata.regions[region]
            let prefix = meta.callingCodeDigits
            if full.count >= prefix.count, full.starts(with: prefix) {
                let potential = stripNationalPrefix(
                    Digits(rebasing: full[prefix.count...]), region: region, into: transformedInExtraction)
                if (!metadata.matchesGeneral(region: region, digits: full)
                    && metadata.matchesGeneral(region: region, digits: potential))
                    || meta.checkLength(full.count) == .tooLong {
                    return .success(Extracted(callingCode: meta.callingCode, national: potential))
                }
            }
        }
        return .success(Extracted(callingCode: 0, national: full))
    }

    /// `_normalize`: keypad-map letters when there are 3 or more, else keep digits only.
    private func normalize(_ range: Range<Int>, scanner: PhoneTextScanner) -> Digits {
        var count = 0
        let alpha = scanner.isVanityNumber(range)
        for index in range {
            let code = codes[index]
            if alpha ? Class.isASCIIDigit(code) : Class.isDigit(code) {
                normalized[count] = Class.digitValue(code)
                count += 1
            } else if alpha, Class.isLetter(code) {
                normalized[count] = Class.keypadDigit(code)
                count += 1
            }
        }
        return Digits(rebasing: normalized[0..<count])
    }

    // MARK: - National prefix

    /// `_maybe_strip_national_prefix_carrier_code`: the number without trunk prefix / carrier code.
    private func stripNationalPrefix(_ number: Digits, region: Int, into output: UnsafeMutableBufferPointer<UInt8>) -> Digits {
        let meta = metadata.regions[region]
        guard !number.isEmpty, let program = meta.nationalPrefixForParsing,
              let match = program.matchPrefix(number) else { return number }
        let viableOriginal = metadata.matchesGeneral(region: region, digits: number)
        let rule = meta.nationalPrefixTransformRule
        let lastGroup = program.groupCount > 0 ? match.range(of: program.groupCount) : nil
        let result: Digits
        if rule.isEmpty || lastGroup == nil {
            result = Digits(rebasing: number[match.end...])
        } else {
            var count = 0
            var index = 0
            while index < rule.count {
                let byte = rule[index]
                if byte == UInt8(ascii: "\\"), index + 1 < rule.count {
                    if let captured = match.range(of: Int(rule[index + 1] &- 48)) {
                        for position in captured { output[count] = number[position]; count += 1 }
                    }
                    index += 2
                } else {
                    output[count] = byte &- 48
                    count += 1
                    index += 1
                }
            }
            for position in match.end..<number.count { output[count] = number[position]; count += 1 }
            result = Digits(rebasing: output[0..<count])
        }
        if viableOriginal, !metadata.matchesGeneral(region: region, digits: result) { return number }
        return result
    }

    // MARK: - Helpers

    private func detail(region: Int, digits: Int) -> PhoneLengthDetail {
        let meta = metadata.regions[region]
        let lengths = (0..<32).filter { (meta.possibleLengths >> UInt32($0)) & 1 == 1 }
        return PhoneLengthDetail(region: meta.id, digits: digits, expectedLengths: lengths)
    }
}
