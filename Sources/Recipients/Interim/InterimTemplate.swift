// Interim stand-in for templates and SMS encoding (issue 3); same public API.
import Foundation

/// A template error found before anything is sent.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
/// A row the template cannot render.
public struct TemplateRowError: Error, Sendable {
    public var reason: String
}

/// A message with `{{column}}` placeholders.
public struct MessageTemplate: Sendable {
    enum Part: Sendable { case text(String), column(Int, String, String?) }
    let parts: [Part]
    public init(_ text: String, header: [String]) throws(TemplateError) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            parts.append(.text(String(rest[..<open.lowerBound])))
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw TemplateError(description: "unclosed {{ in the message")
            }
            let inner = rest[open.upperBound..<close.lowerBound]
            let pieces = inner.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pieces[0].trimmingCharacters(in: .whitespaces)
            let fallback = pieces.count > 1 ? String(pieces[1]) : nil
            guard let index = header.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
                throw TemplateError(description: "the message uses {{\(name)}} but the CSV has no such column (columns: \(header.joined(separator: ", ")))")
            }
            parts.append(.column(index, name, fallback))
            rest = rest[close.upperBound...]
        }
        parts.append(.text(String(rest)))
        self.parts = parts
    }
    public var isPersonalised: Bool { parts.contains { if case .column = $0 { true } else { false } } }
    public var placeholderColumns: [Int] { parts.compactMap { if case .column(let i, _, _) = $0 { i } else { nil } } }
    public func render(_ fields: [String]) -> Result<String, TemplateRowError> {
        var out = ""
        for part in parts {
            switch part {
            case .text(let t): out += t
            case .column(let i, let name, let fallback):
                let value = i < fields.count ? fields[i].trimmingCharacters(in: .whitespaces) : ""
                if value.isEmpty {
                    guard let fallback else { return .failure(TemplateRowError(reason: "the column \(name) is empty and {{\(name)}} has no default")) }
                    out += fallback
                } else { out += value }
            }
        }
        return .success(out)
    }
}

/// The SMS character set a text needs.
public enum SMSEncoding: String, Sendable { case gsm7 = "GSM-7", ucs2 = "UCS-2" }

/// Encoding and segment count of one text.
public struct SMSAnalysis: Sendable, Equatable {
    public var encoding: SMSEncoding
    public var units: Int
    public var segments: Int
    public var firstNonGSMCharacter: Character?
    static let basic = Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    static let extended = Set("^{}\\[~]|€\u{0C}")
    public init(_ text: String) {
        var units = 0
        var first: Character?
        for ch in text {
            if Self.basic.contains(ch) { units += 1 } else if Self.extended.contains(ch) { units += 2 } else { first = ch; break }
        }
        if let first {
            encoding = .ucs2
            self.units = text.utf16.count
            firstNonGSMCharacter = first
            segments = self.units == 0 ? 0 : (self.units <= 70 ? 1 : (self.units + 66) / 67)
        } else {
            encoding = .gsm7
            self.units = units
            firstNonGSMCharacter = nil
            segments = units == 0 ? 0 : (units <= 160 ? 1 : (units + 152) / 153)
        }
    }
}
