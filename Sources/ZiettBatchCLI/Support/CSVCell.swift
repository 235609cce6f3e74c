import Foundation

/// RFC 4180 quoting, plus a guard against spreadsheet formula injection.
enum CSVCell {
    static func escape(_ cell: String) -> String {
        var value = cell
        if let first = value.first, "=@".contains(first) || (first == "-" && value.count > 1 && !value.dropFirst().allSatisfy(\.isNumber)) {
            value = "'" + value
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
