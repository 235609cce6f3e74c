import ArgumentParser

/// The `--delimiter` value: a field separator, or `auto` to sniff it from the file's first lines.
///
/// Parses itself, so a bad value is refused while the command line is read, with the value named and the
/// choices listed, before any file is opened.
enum CSVDelimiter: Equatable, CaseIterable, ExpressibleByArgument {
    case comma, semicolon, tab, pipe
    /// Sniffed from the file (`CSVDelimiterSniffer`).
    case auto

    /// Accepts `,` `;` `|` `tab` (also `\t` or a TAB character) and `auto`, in any letter case.
    init?(argument: String) {
        switch argument.lowercased() {
        case ",", "comma": self = .comma
        case ";", "semicolon": self = .semicolon
        case "|", "pipe": self = .pipe
        case "tab", "\\t", "\t": self = .tab
        case "auto": self = .auto
        default: return nil
        }
    }

    /// The separator as the job's settings store it (`"\t"` for tab), nil when sniffed.
    var separator: String? {
        switch self {
        case .comma: ","
        case .semicolon: ";"
        case .tab: "\t"
        case .pipe: "|"
        case .auto: nil
        }
    }

    /// The separator byte for `CSVReader`, nil when sniffed.
    var byte: UInt8? { separator?.utf8.first }

    /// How the value is written on the command line.
    var argument: String {
        switch self {
        case .comma: ","
        case .semicolon: ";"
        case .tab: "tab"
        case .pipe: "|"
        case .auto: "auto"
        }
    }

    var defaultValueDescription: String {
        switch self {
        case .comma: "comma"
        case .semicolon: "semicolon"
        case .tab: "tab character (also \\t)"
        case .pipe: "vertical bar"
        case .auto: "sniffed from the first lines of the file (the default)"
        }
    }

    static var allValueStrings: [String] { allCases.map(\.argument) }

    static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.argument, $0.defaultValueDescription) })
    }

    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }
}
