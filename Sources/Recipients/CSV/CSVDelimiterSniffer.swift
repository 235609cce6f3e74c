/// Guesses a CSV file's delimiter among `,` `;` TAB `|` from its first bytes.
///
/// Only delimiters outside quotes count, so `"Silva, Ana"` in a `;` file does not vote for `,`. The winner
/// is the candidate found in the header whose count is the same on the most data lines, then the one with
/// the most columns, then the earlier in the list (comma first); with no candidate in the header it is comma
/// (a one-column file).
public enum CSVDelimiterSniffer {
    /// Candidates in order of preference.
    public static let candidates: [UInt8] = [0x2C, 0x3B, 0x09, 0x7C]

    /// The likely delimiter of a CSV whose first bytes are `bytes`.
    ///
    /// - Parameter isWholeInput: whether `bytes` is the whole file; if not, the last (probably cut) line is ignored.
    public static func sniff(_ bytes: UnsafeBufferPointer<UInt8>, isWholeInput: Bool, maxLines: Int = 20) -> UInt8 {
        var lines: [[Int]] = []
        var counts = [Int](repeating: 0, count: candidates.count)
        var lineLength = 0
        var inQuotes = false
        var i = 0
        let n = bytes.count
        while i < n && lines.count < maxLines {
            let b = bytes[i]
            i += 1
            if b == 0x22 {
                inQuotes.toggle()
                lineLength += 1
                continue
            }
            if inQuotes { continue }
            if b == 0x0A || b == 0x0D {
                if b == 0x0D && i < n && bytes[i] == 0x0A { i += 1 }
                if lineLength > 0 { lines.append(counts) }
                counts = [Int](repeating: 0, count: candidates.count)
                lineLength = 0
                continue
            }
            lineLength += 1
            for (c, candidate) in candidates.enumerated() where b == candidate { counts[c] += 1 }
        }
        if lineLength > 0 && (isWholeInput || lines.isEmpty) && i >= n { lines.append(counts) }
        guard let headerCounts = lines.first else { return candidates[0] }

        var best: (candidate: UInt8, consistent: Int, columns: Int)?
        for (c, candidate) in candidates.enumerated() where headerCounts[c] > 0 {
            let consistent = lines.dropFirst().count { $0[c] == headerCounts[c] }
            if let current = best,
               (current.consistent, current.columns) >= (consistent, headerCounts[c]) { continue }
            best = (candidate, consistent, headerCounts[c])
        }
        return best?.candidate ?? candidates[0]
    }
}
