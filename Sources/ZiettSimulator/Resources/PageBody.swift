/// The pagination envelope `{total, page, size, pages, entries}` around rendered entries.
struct PageBody<Entry: Encodable & Sendable>: Encodable, Sendable {
    var total: Int
    var page: Int
    var size: Int
    var pages: Int
    var entries: [Entry]

    /// One page of `all`; `pages` is 0 when nothing matches, and a page past the end is empty.
    static func make<T>(_ all: [T], page: Int, size: Int, render: (T) -> Entry) -> PageBody<Entry> {
        let start = min(all.count, (page - 1).multipliedReportingOverflow(by: size).overflow ? all.count : (page - 1) * size)
        let slice = all[start..<min(all.count, start + size)]
        let pages = (all.count + size - 1) / size
        return PageBody(total: all.count, page: page, size: size, pages: pages, entries: slice.map(render))
    }
}
