/// Whitespace trimming without Foundation, used for header names, placeholder names and cell values.
///
/// Handles ASCII space, tab, CR, LF and any Unicode whitespace (notably the no-break space U+00A0 that
/// spreadsheets leave around values), with an allocation-free fast path when nothing needs trimming.
extension Substring {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> Substring {
        let utf8 = self.utf8
        if let first = utf8.first, let last = utf8.last,
           first > 0x20, first < 0x80, last > 0x20, last < 0x80 {
            return self
        }
        guard let start = firstIndex(where: { !$0.isWhitespace }),
              let end = lastIndex(where: { !$0.isWhitespace }) else { return self[endIndex..<endIndex] }
        return self[start...end]
    }
}

extension String {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> Substring { self[...].trimmingWhitespace() }
}
