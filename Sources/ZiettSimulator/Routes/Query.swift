import Foundation
import ZiettAPI

/// A parsed query string with the documented paging rules.
struct Query {
    private var values: [(String, String)] = []

    init(_ raw: String?) {
        for pair in (raw ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[1])) : ""
            values.append((name, value))
        }
    }

    subscript(name: String) -> String? { values.first { $0.0 == name }?.1 }

    /// `page` ≥ 1 (default 1) and `size` 1…200 (default 30), else 422.
    func paging() throws -> (page: Int, size: Int) {
        var fields: [String: String] = [:]
        let page = self["page"].map { Int($0) ?? 0 } ?? 1
        let size = self["size"].map { Int($0) ?? 0 } ?? 30
        if page < 1 { fields["page"] = "must be an integer ≥ 1" }
        if size < 1 || size > Page<Campaign>.maximumSize { fields["size"] = "must be an integer between 1 and 200" }
        if !fields.isEmpty { throw SimulatorError.validation(fields) }
        return (page, size)
    }

    /// An ISO 8601 bound, else 422.
    func date(_ name: String) throws -> Double? {
        guard let text = self[name] else { return nil }
        let plain = ISO8601DateFormatter()
        if let d = plain.date(from: text) ?? ISO8601DateFormatter.simulator.date(from: text) { return d.timeIntervalSince1970 }
        throw SimulatorError.validation([name: "must be an ISO 8601 date-time"])
    }

    static func pageBytes<T: Codable & Sendable & Equatable>(_ all: [T], page: Int, size: Int) throws -> [UInt8] {
        let start = min(all.count, (page - 1) * size)
        let slice = Array(all[start..<min(all.count, start + size)])
        let pages = all.isEmpty ? 0 : (all.count + size - 1) / size
        return Array(try WireCoding.encoder().encode(Page(total: all.count, page: page, size: size, pages: pages, entries: slice)))
    }
}
