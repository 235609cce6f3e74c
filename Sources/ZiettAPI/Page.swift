/// The pagination envelope of every list endpoint: `{total, page, size, pages, entries}`.
///
/// Offset pagination: stop once `page >= pages`. Default size 30, maximum 200.
public struct Page<Entry: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    /// Every matching record, across pages.
    public var total: Int
    /// This page, from 1.
    public var page: Int
    /// Entries per page asked for.
    public var size: Int
    /// Number of pages (0 when empty).
    public var pages: Int
    /// This page's records.
    public var entries: [Entry]

    /// Creates a page.
    public init(total: Int, page: Int, size: Int, pages: Int, entries: [Entry]) {
        self.total = total
        self.page = page
        self.size = size
        self.pages = pages
        self.entries = entries
    }

    /// The maximum `size` the API accepts.
    public static var maximumSize: Int { 200 }
}
