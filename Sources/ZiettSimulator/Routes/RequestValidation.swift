import Foundation
import ZiettAPI

/// The documented field rules, returning 422 `VALIDATION_ERROR` with `fields`.
enum RequestValidation {
    static func decodeObject(_ body: [UInt8]) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw SimulatorError.validation(["body": "must be a JSON object"])
        }
        return object
    }

    static func isUUID(_ value: Any?) -> Bool {
        guard let text = value as? String else { return false }
        return UUID(uuidString: text) != nil
    }

    static func batch(_ body: [UInt8], minimumRecipients: Int, rejected: Set<String> = []) throws -> BatchCampaignRequest {
        let object = try decodeObject(body)
        var fields: [String: String] = [:]
        let name = object["name"] as? String
        if name == nil || name!.isEmpty || name!.count > 200 { fields["name"] = "must be a string of 1 to 200 characters" }
        if !isUUID(object["remitter_id"]) { fields["remitter_id"] = "must be a UUID" }
        let content = object["content"] as? String
        if content == nil || content!.isEmpty || content!.count > 10_000 { fields["content"] = "must be a string of 1 to 10000 characters" }
        if (object["channel_type"] as? String) != "SMS" { fields["channel_type"] = "must be SMS" }
        let country = object["country_alpha2"]
        if let country, !(country is NSNull) {
            if let c = country as? String, c.count == 2, c.allSatisfy({ $0.isASCII && $0.isUppercase }) {} else {
                fields["country_alpha2"] = "must be two upper-case letters"
            }
        }
        var recipients: [String] = []
        if let list = object["recipients"] as? [Any] {
            if list.count < minimumRecipients || list.count > 1000 {
                fields["recipients"] = "must hold \(minimumRecipients) to 1000 numbers"
            }
            for (index, item) in list.enumerated() {
                guard let text = item as? String, isRecipient(text), !rejected.contains(text) else {
                    fields["recipients[\(index)]"] = "invalid phone number format"
                    continue
                }
                recipients.append(text)
            }
        } else {
            fields["recipients"] = "must be an array of phone numbers"
        }
        if !fields.isEmpty { throw SimulatorError.validation(fields) }
        return BatchCampaignRequest(
            name: name!, remitterID: object["remitter_id"] as! String, content: content!, recipients: recipients,
            countryAlpha2: country as? String)
    }

    static func message(_ body: [UInt8]) throws -> SendMessageRequest {
        let object = try decodeObject(body)
        var fields: [String: String] = [:]
        if !isUUID(object["remitter_id"]) { fields["remitter_id"] = "must be a UUID" }
        let content = object["content"] as? String
        if content == nil || content!.isEmpty || content!.count > 1600 { fields["content"] = "must be a string of 1 to 1600 characters" }
        if (object["channel_type"] as? String) != "SMS" { fields["channel_type"] = "must be SMS" }
        let target = object["target_e164"] as? String
        if target == nil || !isE164(target!) { fields["target_e164"] = "must be an E.164 number such as +244990090990" }
        if !fields.isEmpty { throw SimulatorError.validation(fields) }
        return SendMessageRequest(remitterID: object["remitter_id"] as! String, targetE164: target!, content: content!)
    }

    /// `^\+?[\d\s\-\.]{7,30}$`
    static func isRecipient(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" { rest.removeFirst() }
        return (7...30).contains(rest.count) && rest.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == " " || $0 == "-" || $0 == "." }
    }

    /// `^\+[1-9]\d{6,14}$`
    static func isE164(_ text: String) -> Bool {
        guard text.first == "+" else { return false }
        let digits = text.dropFirst()
        return (7...15).contains(digits.count) && digits.first != "0" && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Turns a batch recipient into E.164 the way the API's workers would (after the 202).
enum PhoneNormaliser {
    static let callingCodes: [String: String] = [
        "AO": "244", "PT": "351", "BR": "55", "MZ": "258", "CV": "238", "ST": "239", "GW": "245", "TL": "670",
        "US": "1", "CA": "1", "GB": "44", "FR": "33", "DE": "49", "ES": "34", "IT": "39", "ZA": "27", "NG": "234",
        "NA": "264", "CD": "243", "CG": "242", "ZM": "260", "CN": "86", "IN": "91",
    ]

    static func normalise(_ raw: String, country: String?) -> String? {
        let digits = raw.filter { $0.isASCII && $0.isNumber }
        if raw.hasPrefix("+") { return RequestValidation.isE164("+" + digits) ? "+" + digits : nil }
        if digits.hasPrefix("00") { let d = String(digits.dropFirst(2)); return RequestValidation.isE164("+" + d) ? "+" + d : nil }
        guard let country, let code = callingCodes[country] else { return nil }
        var national = Substring(digits)
        while national.first == "0" { national.removeFirst() }
        let e164 = "+" + code + national
        return RequestValidation.isE164(e164) ? e164 : nil
    }
}
