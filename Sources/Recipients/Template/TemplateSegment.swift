/// One precompiled piece of a `MessageTemplate`: literal text or a column reference.
///
/// Rendering is then a single pass of appends, with no parsing per row.
enum TemplateSegment: Sendable, Equatable {
    /// Text copied as-is.
    case literal(String)
    /// The trimmed cell of column `index`; `fallback` replaces an empty cell (else the row fails).
    case column(index: Int, name: String, fallback: String?)
}
