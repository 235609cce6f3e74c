import Foundation
public import Recipients

/// Reads a suppression list: one number per line, or a CSV with a phone column.
///
/// Numbers are normalised exactly like the recipients (same parser, same default region), so
/// `923 456 789` in the list suppresses `+244923456789` in the CSV.
public enum SuppressionList {
    /// The E.164 digits of every valid number in the file; invalid lines are counted, not fatal.
    public static func load(path: String, defaultRegion: String?, parser: PhoneNumberParser = PhoneNumberParser()) throws -> (numbers: [UInt64], invalid: Int) {
        let reader = try CSVReader(path: path)
        defer { reader.close() }
        let header = reader.header
        let column = reader.columnIndex(anyOf: RecipientClassifier.phoneColumnNames)
        var numbers: [UInt64] = []
        var invalid = 0
        func take(_ cell: String) {
            switch parser.parse(cell, defaultRegion: defaultRegion) {
            case .success(let number): numbers.append(number.digits)
            case .failure: invalid += 1
            }
        }
        // A plain list has no header: its first line is a number too.
        if column == nil, let first = header.first { take(first) }
        while let record = try reader.next() {
            let index = column ?? 0
            if index < record.fields.count { take(record.fields[index]) } else { invalid += 1 }
        }
        return (numbers, invalid)
    }
}
