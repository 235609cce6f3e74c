/// Compiles template text into segments, resolving placeholder names against a header.
///
/// Syntax: `{{column}}` or `{{column|default}}`; whitespace inside the braces is ignored; a `}}` without `{{`
/// is literal text. There is no escape for a literal `{{` (SMS texts do not need one).
enum TemplateParser {
    static func compile(_ text: String, header: [String]) throws(TemplateError) -> [TemplateSegment] {
        let bytes = Array(text.utf8)
        let names = header.map { String($0.trimmingWhitespace()) }
        let keys = names.map { $0.lowercased() }
        var segments: [TemplateSegment] = []
        var literalStart = 0
        var i = 0
        let open: UInt8 = 0x7B, close: UInt8 = 0x7D, bar: UInt8 = 0x7C
        while i + 1 < bytes.count {
            guard bytes[i] == open && bytes[i + 1] == open else {
                i += 1
                continue
            }
            let offset = characterOffset(bytes, i)
            var end = i + 2
            while end + 1 < bytes.count && !(bytes[end] == close && bytes[end + 1] == close) {
                if bytes[end] == open && bytes[end + 1] == open { throw .unclosedPlaceholder(offset: offset) }
                end += 1
            }
            guard end + 1 < bytes.count else { throw .unclosedPlaceholder(offset: offset) }
            let inner = bytes[(i + 2)..<end]
            let nameBytes = inner.firstIndex(of: bar).map { inner[..<$0] } ?? inner
            let name = String(decoding: nameBytes, as: UTF8.self).trimmingWhitespace()
            let fallback = inner.firstIndex(of: bar).map {
                String(String(decoding: inner[($0 + 1)...], as: UTF8.self).trimmingWhitespace())
            }
            guard !name.isEmpty else { throw .emptyPlaceholder(offset: offset) }
            guard let index = keys.firstIndex(of: name.lowercased()) else {
                throw .unknownColumn(name: String(name), available: names,
                                     suggestion: closestName(to: String(name), in: names))
            }
            if literalStart < i {
                segments.append(.literal(String(decoding: bytes[literalStart..<i], as: UTF8.self)))
            }
            segments.append(.column(index: index, name: names[index], fallback: fallback))
            i = end + 2
            literalStart = i
        }
        if literalStart < bytes.count {
            segments.append(.literal(String(decoding: bytes[literalStart...], as: UTF8.self)))
        }
        return segments
    }

    /// Character (not byte) offset of byte `index`, for error messages.
    private static func characterOffset(_ bytes: [UInt8], _ index: Int) -> Int {
        String(decoding: bytes[..<index], as: UTF8.self).count
    }

    /// The header name within edit distance 2 of `name` (case-insensitive), if exactly one is closest.
    static func closestName(to name: String, in names: [String]) -> String? {
        let target = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in names where !candidate.isEmpty {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance <= 2 && distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for (i, ca) in a.enumerated() {
            current[0] = i + 1
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
