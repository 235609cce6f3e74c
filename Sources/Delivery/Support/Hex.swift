extension Sequence<UInt8> {
    /// The bytes as lower-case hex, two digits each: how keys, fingerprints and ledger names print digests.
    var lowercaseHex: String {
        map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
