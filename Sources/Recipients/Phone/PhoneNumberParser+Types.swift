extension PhoneNumberParser {
    /// The number's type, like libphonenumber's `number_type` (nil for its `UNKNOWN`).
    ///
    /// Separate from `parse` and computed only when asked for, from the same DFA walk that validated
    /// the number, so the parse's fast path does not change.
    public func numberType(of number: E164Number) -> PhoneNumberType? {
        guard let (region, digits, codeLength) = regionAndDigits(of: number) else { return nil }
        return digits.withUnsafeBufferPointer { all in
            metadata.numberType(region: region, digits: UnsafeBufferPointer(rebasing: all[codeLength...]))
        }
    }

    /// The number's IANA time zones, like phonenumbers' `timezone.time_zones_for_number`:
    /// `["Etc/Unknown"]` when nothing is known (a number without a type, a country without data).
    ///
    /// Fixed-line numbers, and mobile numbers of the few countries whose mobile prefixes are
    /// geographical, get their prefix's zones; other types get their country's.
    public func timeZones(of number: E164Number) -> [String] {
        guard let (region, digits, codeLength) = regionAndDigits(of: number),
              let type = digits.withUnsafeBufferPointer({ all in
                  metadata.numberType(region: region, digits: UnsafeBufferPointer(rebasing: all[codeLength...]))
              })
        else { return [PhoneTimeZones.unknown] }
        let zones = PhoneTimeZones.shared
        let callingCode = metadata.regions[region].callingCode
        let geographical = type == .fixedLine || type == .fixedLineOrMobile
            || (type == .mobile && zones.geographicalMobileCodes.contains(callingCode))
        if geographical {
            return zones.zones(digits: digits, prefixLengths: Array((1...zones.longestPrefix).reversed()))
        }
        // phonenumbers' country-level look-up tries the code's first 10, 9, …, 2 digits: the whole code,
        // then (for a three-digit code) its first two.
        return zones.zones(digits: Array(digits[0..<codeLength]), prefixLengths: codeLength == 3 ? [3, 2] : [codeLength])
    }

    /// The metadata entry libphonenumber's `region_code_for_number` picks, the number's digits and the
    /// length of its calling code; nil when no entry claims it.
    private func regionAndDigits(of number: E164Number) -> (region: Int, digits: [UInt8], codeLength: Int)? {
        let digits = String(number.digits).utf8.map { $0 - 48 }
        var code = 0
        for length in 1...min(3, digits.count) {
            code = code * 10 + Int(digits[length - 1])
            let candidates = metadata.regionsByCallingCode[code]
            guard !candidates.isEmpty else { continue }
            let region: Int? = digits.withUnsafeBufferPointer { all in
                let national = UnsafeBufferPointer(rebasing: all[length...])
                if candidates.count == 1 { return candidates[0] }
                for candidate in candidates {
                    if let leading = metadata.regions[candidate].leadingDigits {
                        if leading.matchPrefix(national) != nil { return candidate }
                    } else if metadata.isValid(region: candidate, digits: national) {
                        return candidate
                    }
                }
                return nil
            }
            return region.map { ($0, digits, length) }
        }
        return nil
    }
}
