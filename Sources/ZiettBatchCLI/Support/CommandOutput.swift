/// The lines a command prints at its end, each on its stream: results and summaries on standard output,
/// diagnostics (errors, warnings, what to do about them) on standard error.
///
/// Scripts and cron wrappers capture standard output as the result; an error there would be lost in it,
/// or taken for a result. Every command that prints both kinds goes through this one type, so the rule
/// lives in one place.
struct CommandOutput {
    /// Where a line goes.
    enum Stream: Equatable {
        /// Standard output: what the command produced.
        case result
        /// Standard error: what went wrong, and what to do.
        case diagnostic
    }

    private(set) var lines: [(stream: Stream, text: String)] = []

    /// Adds a result line (standard output).
    mutating func result(_ text: String) { lines.append((.result, text)) }

    /// Adds a diagnostic line (standard error).
    mutating func diagnostic(_ text: String) { lines.append((.diagnostic, text)) }

    /// The lines of one stream, in order.
    func text(of stream: Stream) -> [String] { lines.filter { $0.stream == stream }.map(\.text) }

    /// Writes every line to its stream, in the order they were added, unbuffered.
    func write() {
        var index = lines.startIndex
        while index < lines.endIndex {
            let stream = lines[index].stream
            var block = ""
            while index < lines.endIndex && lines[index].stream == stream {
                block += lines[index].text + "\n"
                index += 1
            }
            FileHandleOutput.write(block, fd: stream == .result ? 1 : 2)
        }
    }
}
