/// Why a `--message` template cannot be used with a file's header.
///
/// Raised once, before any row is processed, so a typo in a placeholder never sends a half-rendered batch.
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A placeholder names no header column.
    case unknownColumn(name: String, available: [String], suggestion: String?)
    /// `{{` without a matching `}}`; `offset` is the character offset of the `{{`.
    case unclosedPlaceholder(offset: Int)
    /// `{{}}` or `{{ |default}}`: a placeholder without a column name.
    case emptyPlaceholder(offset: Int)

    /// Stable snake_case identifier.
    public var code: String {
        switch self {
        case .unknownColumn: "unknown_column"
        case .unclosedPlaceholder: "unclosed_placeholder"
        case .emptyPlaceholder: "empty_placeholder"
        }
    }

    /// Message for the operator, naming the column and the available ones.
    public var description: String {
        switch self {
        case let .unknownColumn(name, available, suggestion):
            let listed = available.filter { !$0.isEmpty }.joined(separator: ", ")
            let hint = suggestion.map { " (did you mean {{\($0)}}?)" } ?? ""
            return "the message uses {{\(name)}} but the file has no column \"\(name)\"\(hint); available columns: \(listed)"
        case let .unclosedPlaceholder(offset):
            return "the message has \"{{\" at character \(offset + 1) without a closing \"}}\""
        case let .emptyPlaceholder(offset):
            return "the message has a placeholder without a column name at character \(offset + 1)"
        }
    }
}
