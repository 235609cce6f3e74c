import Foundation
import ZiettAPI

/// The documented field rules; every problem becomes a `fields` entry of a 422 `VALIDATION_ERROR`.
///
/// Lengths count Unicode scalars, as JSON Schema's `minLength`/`maxLength` do, so the simulator and
/// `docs/openapi.yaml` agree on every boundary.
enum RequestValidation {
    /// The body as a JSON object; `malformedStatus` for unreadable JSON, 422 for any other JSON value.
    static func decodeObject(_ body: [UInt8], malformedStatus: Int) throws -> [String: Any] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            if malformedStatus == 400 { throw SimulatorError(400, "MALFORMED_REQUEST", "The body is not valid JSON.") }
            throw SimulatorError.validation(["body": "must be valid JSON"])
        }
        guard let object = value as? [String: Any] else { throw SimulatorError.validation(["body": "must be a JSON object"]) }
        return object
    }

    static func isNull(_ value: Any?) -> Bool { value == nil || value is NSNull }

    static func length(_ text: String) -> Int { text.unicodeScalars.count }

    /// A string of `range` scalars, or a problem.
    static func text(_ object: [String: Any], _ key: String, _ range: ClosedRange<Int>, optional: Bool = false, into fields: inout [String: String]) -> String? {
        if optional, isNull(object[key]) { return nil }
        guard let s = object[key] as? String, !(object[key] is NSNumber), range.contains(length(s)) else {
            fields[key] = "must be a string of \(range.lowerBound) to \(range.upperBound) characters"
            return nil
        }
        return s
    }

    static func checkChannel(_ object: [String: Any], into fields: inout [String: String]) {
        if (object["channel_type"] as? String) != "SMS" || object["channel_type"] is NSNumber { fields["channel_type"] = "must be SMS" }
    }

    static func checkRemitter(_ object: [String: Any], v7: Bool, into fields: inout [String: String]) -> String? {
        guard let id = object["remitter_id"] as? String, !(object["remitter_id"] is NSNumber),
              v7 ? UUIDv7.isV7(id) : UUIDText.isUUID(id)
        else {
            fields["remitter_id"] = v7 ? "must be a UUID v7" : "must be a UUID"
            return nil
        }
        return id.lowercased()
    }

    /// `POST /campaigns/batch`: the fields, then each recipient's number.
    static func batch(_ body: [UInt8], options: SimulatorConfiguration, now: Double) throws -> AcceptedBatch {
        let fidelity = options.fidelity
        let object = try decodeObject(body, malformedStatus: fidelity.malformedBodyStatus)
        var fields: [String: String] = [:]
        let name = text(object, "name", 1...200, optional: true, into: &fields)
        let remitter = checkRemitter(object, v7: fidelity.requireUUIDv7, into: &fields)
        let content = text(object, "content", 1...10_000, into: &fields)
        checkChannel(object, into: &fields)
        var country: String?
        if !isNull(object["country_alpha2"]) {
            if let c = object["country_alpha2"] as? String, !(object["country_alpha2"] is NSNumber), c.utf8.count == 2,
               c.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) {
                country = c
            } else {
                fields["country_alpha2"] = "must match ^[A-Z]{2}$"
            }
        }
        var recipients: [String] = []
        if let list = object["recipients"] as? [Any] {
            let minimum = options.minimumBatchRecipients
            if list.count < minimum || list.count > 1000 { fields["recipients"] = "must hold \(minimum) to 1000 items" }
            for (index, item) in list.enumerated() {
                guard let text = item as? String, !(item is NSNumber), isRecipient(text) else {
                    fields["recipients[\(index)]"] = "must match ^\\+?[0-9 .-]{7,30}$"
                    continue
                }
                if options.rejectedRecipients.contains(text) {
                    fields["recipients[\(index)]"] = "the number is refused (simulated rejection)"
                    continue
                }
                recipients.append(text)
            }
        } else {
            fields["recipients"] = "must be an array of phone numbers"
        }
        if !fields.isEmpty { throw SimulatorError.validation(fields) }
        var normalised = recipients.map { PhoneNormaliser.normalise($0, country: country) }
        if fidelity.invalidRecipient == .rejectBatch {
            for (index, number) in normalised.enumerated() where number == nil {
                fields["recipients[\(index)]"] = "is not a valid phone number" + (country == nil ? " (no country_alpha2 for a local number)" : "")
            }
            if !fields.isEmpty { throw SimulatorError.validation(fields) }
        }
        if fidelity.removeDuplicateRecipients {
            var seen: Set<String> = []
            var keep: [Bool] = []
            for (raw, number) in zip(recipients, normalised) { keep.append(seen.insert(number ?? "raw:" + raw).inserted) }
            recipients = zip(recipients, keep).filter(\.1).map(\.0)
            normalised = zip(normalised, keep).filter(\.1).map(\.0)
        }
        return AcceptedBatch(
            name: name ?? "API campaign " + Timestamp.format(now, style: .millisecondsZ), remitterID: remitter!, content: content!,
            recipients: recipients, normalised: normalised, countryAlpha2: country)
    }

    /// `POST /messages`.
    static func message(_ body: [UInt8], options: SimulatorConfiguration) throws -> SendMessageRequest {
        let object = try decodeObject(body, malformedStatus: options.fidelity.malformedBodyStatus)
        var fields: [String: String] = [:]
        let remitter = checkRemitter(object, v7: false, into: &fields)
        let content = text(object, "content", 1...1600, into: &fields)
        checkChannel(object, into: &fields)
        let target = object["target_e164"] as? String
        if target == nil || object["target_e164"] is NSNumber || !isE164(target!) {
            fields["target_e164"] = "must be an E.164 number such as +244990090990"
        }
        if !isNull(object["save_contact"]) {
            if let contact = object["save_contact"] as? [String: Any] {
                var inner: [String: String] = [:]
                _ = text(contact, "name", 1...200, into: &inner)
                if !isNull(contact["email"]) {
                    if let email = contact["email"] as? String, !(contact["email"] is NSNumber), isEmail(email) {} else { inner["email"] = "must be a valid email address" }
                }
                if !isNull(contact["tags"]) {
                    if let tags = contact["tags"] as? [Any], tags.allSatisfy({ $0 is String && !($0 is NSNumber) }) {} else {
                        inner["tags"] = "must be an array of strings"
                    }
                }
                for (k, v) in inner { fields["save_contact.\(k)"] = v }
            } else {
                fields["save_contact"] = "must be an object"
            }
        }
        if !fields.isEmpty { throw SimulatorError.validation(fields) }
        return SendMessageRequest(remitterID: remitter!, targetE164: target!, content: content!)
    }

    /// `^\+?[0-9 .-]{7,30}$` (the docs' `\d` and `\s`, read as ASCII digits and the space).
    static func isRecipient(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "+" { rest.removeFirst() }
        return (7...30).contains(rest.utf8.count)
            && rest.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 32 || $0 == 45 || $0 == 46 }
    }

    /// `^\+[1-9][0-9]{6,14}$`
    static func isE164(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "+") else { return false }
        let digits = bytes.dropFirst()
        return (7...15).contains(digits.count) && digits.first != 48 && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// `^[^@ ]+@[^@ ]+\.[^@ ]+$`: one `@`, no spaces, a dot inside the domain.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(" ") else { return false }
        let domain = Array(parts[1].unicodeScalars)
        guard domain.count >= 3 else { return false }
        return domain[1..<(domain.count - 1)].contains(".")
    }
}
