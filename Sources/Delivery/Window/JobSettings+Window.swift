import Foundation
public import Checkpoint
public import Recipients

extension JobSettings {
    /// The send schedule the job was created with: its window and days, start and end.
    ///
    /// The window is stored as `SendWindow.description` (`09:00-20:00 mon,tue,wed,thu,fri`), so it reads
    /// back exactly; a stored value that does not parse throws (written by another version, or damaged).
    public func sendSchedule() throws(SendWindowError) -> SendSchedule {
        var window: SendWindow?
        if let sendWindow {
            let parts = sendWindow.split(separator: " ", maxSplits: 1).map(String.init)
            window = try SendWindow(window: parts.first, days: parts.count > 1 ? parts[1] : nil)
        }
        return SendSchedule(window: window, notBefore: notBefore, notAfter: notAfter)
    }

    /// The number types the job sends to (the default when none were given).
    public var sendableNumberTypes: Set<PhoneNumberType> {
        guard let numberTypes else { return RecipientPolicy.defaultNumberTypes }
        return Set(numberTypes.compactMap(PhoneNumberType.init(rawValue:)))
    }

    /// What the job's classifier accepts: its number types, and each row's time zones when it has a window.
    public var recipientPolicy: RecipientPolicy {
        RecipientPolicy(
            numberTypes: sendableNumberTypes, resolvesTimeZones: sendWindow != nil,
            isKnownTimeZone: SendSchedule.isKnownZone)
    }
}

extension PhoneNumberType {
    /// Parses `--number-types` (`mobile,fixed_line_or_mobile,voip`; `-` and `_` alike), sorted by name;
    /// nil when it is the default set. Throws naming the unknown type and the known ones.
    public static func parseList(_ text: String) throws(NumberTypesError) -> [String]? {
        var types = Set<PhoneNumberType>()
        for item in text.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "_")
            guard let type = PhoneNumberType(rawValue: name) else { throw NumberTypesError(value: text, unknown: name) }
            types.insert(type)
        }
        guard !types.isEmpty else { throw NumberTypesError(value: text, unknown: "") }
        if types == RecipientPolicy.defaultNumberTypes { return nil }
        return types.map(\.rawValue).sorted()
    }
}

/// `--number-types` names a type libphonenumber does not have.
public struct NumberTypesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The option's value.
    public var value: String
    /// The unknown name ("" when the list is empty).
    public var unknown: String

    public var description: String {
        let known = PhoneNumberType.allCases.map(\.rawValue).joined(separator: ", ")
        return unknown.isEmpty
            ? "--number-types \"\(value)\": give at least one type (\(known))"
            : "--number-types \"\(value)\": unknown type \"\(unknown)\" (types: \(known))"
    }
}
