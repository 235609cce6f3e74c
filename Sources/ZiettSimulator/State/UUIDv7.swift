/// UUID version 7 (time-ordered), as the new docs say Ziett ids are.
enum UUIDv7 {
    static func make(at time: Double, random: inout SimulatorRandom) -> String {
        let ms = UInt64(max(0, time) * 1000)
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8((ms >> (8 * (5 - UInt64(i)))) & 0xFF) }
        let r1 = random.next()
        let r2 = random.next()
        for i in 6..<16 { bytes[i] = UInt8(((i < 11 ? r1 : r2) >> (8 * UInt64(i % 8))) & 0xFF) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let digits = Array("0123456789abcdef")
        var text = ""
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append("-") }
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 0xF)])
        }
        return text
    }

    /// True for a canonical UUID string whose version nibble is 7 and variant is RFC 4122.
    static func isV7(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        guard UUIDText.isUUID(text), chars.count == 36 else { return false }
        let variant = chars[19]
        return chars[14] == UInt8(ascii: "7") && [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "A"), UInt8(ascii: "B")].contains(variant)
    }
}

/// Canonical UUID text: 8-4-4-4-12 hexadecimal digits.
enum UUIDText {
    static func isUUID(_ text: String) -> Bool {
        let chars = Array(text.utf8)
        guard chars.count == 36 else { return false }
        for (i, c) in chars.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
                return false
            }
        }
        return true
    }
}
