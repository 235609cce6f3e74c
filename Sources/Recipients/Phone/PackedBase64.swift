/// Decodes the base64 text of the generated metadata into bytes.
///
/// Hand-written (instead of Foundation's `Data(base64Encoded:)`) so the decode
/// runs straight off the `StaticString` storage, skips the literal's line
/// breaks and indentation, and stays dependency-free.
enum PackedBase64 {
    /// Decodes `text`, ignoring every byte that is not in the base64 alphabet.
    static func decode(_ text: StaticString) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8CodeUnitCount * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        let source = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for byte in source {
            let value = table[Int(byte)]
            if value == 0xFF { continue }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return out
    }
}
