extension String {
    /// The digits of a phone number as the API wrote it (`+244 923-456-789` → 244923456789), nil when it
    /// has none: how the reconciler and the tracker compare the API's numbers with ours.
    var phoneDigits: UInt64? {
        let digits = filter(\.isNumber)
        return digits.isEmpty ? nil : UInt64(digits)
    }
}
