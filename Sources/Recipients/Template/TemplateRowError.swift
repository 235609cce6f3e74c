/// Why a template could not be rendered for one row.
///
/// A value (not thrown across the ingest) so the row can be reported and skipped while the rest goes on.
public enum TemplateRowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cell for `column` is empty (after trimming) and its placeholder has no `|default`.
    case emptyValue(column: String)

    /// Stable snake_case identifier.
    public var code: String {
        switch self {
        case .emptyValue: "empty_placeholder_value"
        }
    }

    /// Human-readable explanation naming the column.
    public var reason: String {
        switch self {
        case let .emptyValue(column):
            "column \"\(column)\" is empty and the message has no default for it (write {{\(column)|default}})"
        }
    }

    /// Same as `reason`.
    public var description: String { reason }
}
