/// The GSM 03.38 default alphabet and its extension table, as septet costs.
///
/// Basic-table characters cost 1 septet; extension-table characters (form feed, `^ { } \ [ ~ ] |` and `€`)
/// cost 2 (ESC + code). Anything else cannot be sent in GSM-7 and forces UCS-2. National shift tables are not
/// used (most carriers do not honour them).
enum GSM7Alphabet {
    /// Septets needed for `scalar` (1 or 2), or `nil` when GSM-7 cannot encode it.
    ///
    /// A `switch` (compiled to jump tables) rather than lookup tables held in globals, whose lazy
    /// initialisation check costs more than the lookup itself on a per-message hot path.
    @inline(__always)
    static func septets(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x0A, 0x0D: 1  // LF, CR
        case 0x0C: 2  // form feed (extension 0x0A)
        case 0x5B, 0x5C, 0x5D, 0x5E, 0x7B, 0x7C, 0x7D, 0x7E: 2  // [ \ ] ^ { | } ~
        case 0x60: nil  // ` is not in GSM 03.38
        case 0x20...0x7E: 1
        case 0x20AC: 2  // €
        case 0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8, 0x00C5, 0x00E5: 1  // £¥èéùìòÇØøÅå
        case 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3, 0x0398, 0x039E: 1  // ΔΦΓΛΩΠΨΣΘΞ
        case 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7: 1  // ÆæßÉ¤¡ÄÖÑÜ§
        case 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0: 1  // ¿äöñüà
        default: nil
        }
    }
}
