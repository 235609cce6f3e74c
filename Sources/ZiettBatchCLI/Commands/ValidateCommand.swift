import ArgumentParser
import Delivery
import Foundation
import Recipients

/// `ziett-batch validate`: check a CSV row by row without a state file or an API key.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check each row of a CSV; sends nothing.",
        discussion: """
            Prints how many rows are valid, invalid (and why), duplicate or suppressed. Needs no state file \
            and no API key. With --report, writes one JSON object per data row, one line each:
              {"row": 1, "phone": "923 456 789", "e164": "+244923456789", "type": "mobile",
               "status": "valid", "reason": null, "fields": {…}}
            "type" is libphonenumber's number type of every valid number (null otherwise); a valid number \
            of a type not in --number-types (default: mobile, fixed_line_or_mobile) is "invalid", its e164 \
            still filled.

            Example:
              ziett-batch validate customers.csv --country AO --report checked.jsonl
            """)

    @Argument(help: "The recipients CSV.")
    var csv: String

    @OptionGroup var csvOptions: CSVOptions

    @Option(help: "The message template, to check its placeholders and each row's cells.")
    var message: String?

    @Option(help: "Write the per-row JSONL report to this file.")
    var report: String?

    @Option(help: "Number types sent to, e.g. mobile,fixed_line_or_mobile,voip (default: mobile,fixed_line_or_mobile); as `run` takes it.")
    var numberTypes: String?

    func validate() throws {
        if let numberTypes {
            do { _ = try PhoneNumberType.parseList(numberTypes) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        let reader: CSVReader
        do {
            reader = try CSVReader(path: csv, delimiter: csvOptions.delimiter?.byte)
        } catch {
            printError("\(error)")
            throw ExitStatus(for: error).exitCode
        }
        defer { reader.close() }
        let classifier: RecipientClassifier
        do {
            let types = numberTypes.flatMap { try? PhoneNumberType.parseList($0) }
            var policy = RecipientPolicy()
            if let types { policy.numberTypes = Set(types.compactMap(PhoneNumberType.init(rawValue:))) }
            classifier = try RecipientClassifier(
                header: reader.header, phoneColumn: csvOptions.phoneColumn, defaultRegion: csvOptions.country, message: message,
                policy: policy)
        } catch {
            printError("\(csv): \(error)")
            if case .template = error { throw ExitStatus.dataError.exitCode }
            throw ExitStatus.usage.exitCode
        }
        var suppressed = Set<UInt64>()
        if let suppress = csvOptions.suppress {
            do {
                suppressed = Set(try SuppressionList.load(path: suppress, defaultRegion: csvOptions.country).numbers)
            } catch {
                printError("suppression list \(error)")
                throw ExitStatus.noInput.exitCode
            }
        }
        var output: FileHandle?
        if let report {
            guard FileManager.default.createFile(atPath: report, contents: nil) else {
                printError("cannot write the report to \(report)")
                throw ExitStatus.ioError.exitCode
            }
            output = FileHandle(forWritingAtPath: report)
        }
        defer { try? output?.close() }
        // Duplicates come from the same bounded-memory pass `run` uses, so both always agree.
        let duplicates: DuplicateRows
        do {
            duplicates = try DuplicateRows(path: csv, delimiter: reader.delimiter, classifier: classifier)
        } catch {
            printError("\(error)")
            throw ExitStatus.ioError.exitCode
        }
        var nextDuplicate = try duplicates.next()
        var tally = ValidationTally()
        var buffer = ""
        let header = reader.header
        while let record = try reader.next() {
            let c = classifier.classify(record)
            var status = "valid"
            var reason = c.reason
            if let number = c.e164, c.isValid {
                while let d = nextDuplicate, d.row < record.dataRow { nextDuplicate = try duplicates.next() }
                if let d = nextDuplicate, d.row == record.dataRow {
                    status = "duplicate"
                    reason = "duplicate of row \(d.firstRow) (\(number))"
                } else if suppressed.contains(number.digits) {
                    status = "suppressed"
                    reason = "on the suppression list"
                }
            } else {
                status = "invalid"
            }
            tally.add(status: status, code: c.reasonCode, type: c.type)
            if output != nil {
                buffer += JSONLine.row(
                    row: record.dataRow, phone: c.phone, e164: c.type != nil ? c.e164?.string : nil, type: c.type?.rawValue,
                    status: status, reason: reason, header: header, fields: record.fields)
                if buffer.utf8.count > 1 << 16 {
                    output?.write(Data(buffer.utf8))
                    buffer = ""
                }
            }
        }
        output?.write(Data(buffer.utf8))
        print(tally.summary(file: csv, report: report))
    }
}

/// Counts for the `validate` summary.
struct ValidationTally {
    var rows = 0
    var byStatus: [String: Int] = [:]
    var invalidByReason: [String: Int] = [:]
    var byType: [PhoneNumberType: Int] = [:]

    mutating func add(status: String, code: String?, type: PhoneNumberType?) {
        rows += 1
        byStatus[status, default: 0] += 1
        if status == "invalid" { invalidByReason[code ?? "invalid", default: 0] += 1 }
        if let type { byType[type, default: 0] += 1 }
    }

    func summary(file: String, report: String?) -> String {
        var lines = [
            "\(file): \(rows) row(s): \(byStatus["valid"] ?? 0) valid, \(byStatus["invalid"] ?? 0) invalid, "
                + "\(byStatus["duplicate"] ?? 0) duplicate, \(byStatus["suppressed"] ?? 0) suppressed"
        ]
        for (code, count) in invalidByReason.sorted(by: { $0.value > $1.value }) {
            lines.append("  invalid, \(code): \(count)")
        }
        if !byType.isEmpty {
            lines.append("  number types: " + byType.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
        }
        if let report { lines.append("per-row report: \(report)") }
        return lines.joined(separator: "\n")
    }
}

/// Hand-written JSON for the per-row report: one line per row, fast, stable key order.
enum JSONLine {
    static func row(
        row: Int, phone: String, e164: String?, type: String?, status: String, reason: String?, header: [String], fields: [String]
    ) -> String {
        var s = "{\"row\":\(row),\"phone\":\(quote(phone)),\"e164\":\(e164.map(quote) ?? "null"),"
        s += "\"type\":\(type.map(quote) ?? "null"),\"status\":\(quote(status)),"
        s += "\"reason\":\(reason.map(quote) ?? "null"),\"fields\":{"
        for (i, name) in header.enumerated() {
            if i > 0 { s += "," }
            s += quote(name) + ":" + quote(i < fields.count ? fields[i] : "")
        }
        return s + "}}\n"
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
