/// All regions' phone metadata, decoded once from the generated packed data.
///
/// A final class so every `PhoneNumberParser` copy shares one immutable
/// instance (cheap to copy, `Sendable` because nothing mutates after init).
final class PhoneMetadata: Sendable {
    /// The embedded metadata, decoded lazily (thread-safe) at first use.
    static let shared = PhoneMetadata()

    /// All metadata entries: regions sorted by code, then non-geographic entities.
    let regions: [PhoneRegionMetadata]
    /// Region index by `(letter1 - A) * 26 + (letter2 - A)`, -1 when unknown.
    let regionByAlpha2: [Int16]
    /// Entries for each calling code (index = code, 0...999), main country first.
    let regionsByCallingCode: [[Int]]
    /// Each entry's DFA start state (copy of `PhoneRegionMetadata.dfaStart`, kept flat for speed).
    let dfaStarts: [Int32]
    /// DFA transitions: `transitions[state * 10 + digit]`, -1 = dead.
    let transitions: [Int32]
    /// DFA state flags: bit 0 = general pattern matches, bits 1-4 = the number type's code
    /// (`PhoneNumberType.code`; 0 = no type, not a valid number).
    let stateFlags: [UInt8]

    private init() {
        var reader = PackedReader(bytes: PackedBase64.decode(PhoneMetadata.packedBase64))
        let entryCount = reader.u16()
        var regions = [PhoneRegionMetadata]()
        regions.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let id = reader.text()
            let callingCode = reader.u16()
            let international = reader.program()
            let trunkPrefix = reader.text()
            let nationalPrefix = reader.program()
            let transform = Array(reader.text().utf8)
            let possible = reader.u32()
            let localOnly = reader.u32()
            let leading = reader.program()
            let start = Int32(reader.u32())
            regions.append(PhoneRegionMetadata(
                id: id, callingCode: callingCode,
                callingCodeDigits: String(callingCode).utf8.map { $0 - 48 },
                internationalPrefix: international, nationalPrefix: trunkPrefix,
                nationalPrefixForParsing: nationalPrefix,
                nationalPrefixTransformRule: transform, possibleLengths: possible,
                localOnlyLengths: localOnly, leadingDigits: leading, dfaStart: start))
        }
        var byAlpha2 = [Int16](repeating: -1, count: 26 * 26)
        for (index, region) in regions.enumerated() {
            let letters = Array(region.id.utf8)
            guard letters.count == 2, letters.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { continue }
            byAlpha2[Int(letters[0] - 65) * 26 + Int(letters[1] - 65)] = Int16(index)
        }
        var byCode = [[Int]](repeating: [], count: 1000)
        for _ in 0..<reader.u16() {
            let code = reader.u16()
            byCode[code] = (0..<Int(reader.u8())).map { _ in reader.u16() }
        }
        let stateCount = Int(reader.u32())
        var transitions = [Int32](repeating: -1, count: stateCount * 10)
        var flags = [UInt8](repeating: 0, count: stateCount)
        var regionIndex = 0
        for state in 0..<stateCount {
            while regionIndex + 1 < regions.count, Int(regions[regionIndex + 1].dfaStart) <= state {
                regionIndex += 1
            }
            let base = regions[regionIndex].dfaStart
            flags[state] = UInt8(reader.u8())
            let mask = reader.u16()
            for digit in 0..<10 where (mask >> digit) & 1 == 1 {
                transitions[state * 10 + digit] = base + Int32(reader.u16())
            }
        }
        self.regions = regions
        self.dfaStarts = regions.map(\.dfaStart)
        self.regionByAlpha2 = byAlpha2
        self.regionsByCallingCode = byCode
        self.transitions = transitions
        self.stateFlags = flags
    }

    /// Index of the region with ISO code `alpha2` (case-insensitive), if known.
    func regionIndex(alpha2 bytes: some Collection<UInt8>) -> Int? {
        guard bytes.count == 2 else { return nil }
        var key = 0
        for byte in bytes {
            let upper = byte & 0xDF
            guard upper >= 65, upper <= 90 else { return nil }
            key = key * 26 + Int(upper - 65)
        }
        let index = regionByAlpha2[key]
        return index >= 0 ? Int(index) : nil
    }

    /// Runs the region's DFA over `digits`; returns the final state's flags (0 when dead).
    @inline(__always)
    func flags(region: Int, digits: UnsafeBufferPointer<UInt8>) -> UInt8 {
        transitions.withUnsafeBufferPointer { table in
            var state = dfaStarts[region]
            for digit in digits {
                state = table[Int(state) &* 10 &+ Int(digit)]
                if state < 0 { return 0 }
            }
            return stateFlags[Int(state)]
        }
    }

    /// True when `digits` fully matches the region's general national-number pattern.
    func matchesGeneral(region: Int, digits: UnsafeBufferPointer<UInt8>) -> Bool {
        flags(region: region, digits: digits) & 1 != 0
    }

    /// True when `digits` is a valid national number of the region (some number type matches).
    func isValid(region: Int, digits: UnsafeBufferPointer<UInt8>) -> Bool {
        flags(region: region, digits: digits) & Self.typeMask != 0
    }

    /// The number type of `digits` in the region (libphonenumber's `_number_type_helper`), nil when none.
    func numberType(region: Int, digits: UnsafeBufferPointer<UInt8>) -> PhoneNumberType? {
        PhoneNumberType(code: (flags(region: region, digits: digits) & Self.typeMask) >> 1)
    }

    /// The flag bits holding the number type's code.
    static let typeMask: UInt8 = 0x1E
}

/// Sequential little-endian reader over decoded generated bytes (the number metadata, the time-zone data).
struct PackedReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func u8() -> Int {
        defer { offset += 1 }
        return Int(bytes[offset])
    }

    mutating func u16() -> Int { u8() | (u8() << 8) }

    mutating func u32() -> UInt32 { UInt32(u16()) | (UInt32(u16()) << 16) }

    mutating func text() -> String {
        let count = u8()
        defer { offset += count }
        return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
    }

    mutating func program() -> PatternProgram? {
        let count = u16()
        guard count > 0 else { return nil }
        let groups = u8()
        var code = [UInt16]()
        code.reserveCapacity(count * 3)
        for _ in 0..<count {
            code.append(UInt16(u8()))
            code.append(UInt16(u16()))
            code.append(UInt16(u16()))
        }
        return PatternProgram(code: code, groupCount: groups)
    }
}
