/// Turns a batch recipient into E.164 the way the API's workers would (after the 202).
enum PhoneNormaliser {
    static let callingCodes: [String: String] = [
        "AO": "244", "PT": "351", "BR": "55", "MZ": "258", "CV": "238", "ST": "239", "GW": "245", "TL": "670",
        "US": "1", "CA": "1", "GB": "44", "FR": "33", "DE": "49", "ES": "34", "IT": "39", "ZA": "27", "NG": "234",
        "NA": "264", "CD": "243", "CG": "242", "ZM": "260", "CN": "86", "IN": "91",
    ]

    /// The E.164 form, or nil when the number cannot be parsed (a local number without a known country).
    static func normalise(_ raw: String, country: String?) -> String? {
        let digits = raw.filter { $0.isASCII && $0.isNumber }
        if raw.hasPrefix("+") { return RequestValidation.isE164("+" + digits) ? "+" + digits : nil }
        if digits.hasPrefix("00") {
            let d = String(digits.dropFirst(2))
            return RequestValidation.isE164("+" + d) ? "+" + d : nil
        }
        guard let country, let code = callingCodes[country] else { return nil }
        var national = Substring(digits)
        while national.first == "0" { national.removeFirst() }
        let e164 = "+" + code + national
        return RequestValidation.isE164(e164) ? e164 : nil
    }
}
