import ArgumentParser
import Delivery
import Foundation
import Recipients

/// When and to which numbers `run` sends: `--send-window`, `--send-days`, `--not-before`, `--not-after`,
/// `--number-types`. Fixed when the job is created, like the message.
struct ScheduleOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Send only between these hours of each recipient's local time, e.g. 09:00-20:00 (20:00-02:00 crosses midnight).",
        discussion: "The time zone comes from the number (libphonenumber) or a `timezone` column (IANA name); a number spanning several zones is sent only when the window is open in all of them. When only closed-window rows are left the run exits 75 and says when the next window opens."))
    var sendWindow: String?

    @Option(help: "Week days on which the send window opens, e.g. mon-fri or sat,sun (default: every day).")
    var sendDays: String?

    @Option(help: "Send nothing before this ISO 8601 time, e.g. 2026-12-01T09:00:00Z.")
    var notBefore: String?

    @Option(help: "Send nothing after this ISO 8601 time, e.g. 2026-12-03T18:00:00+01:00; the rows left become expired.")
    var notAfter: String?

    @Option(help: "Number types sent to, e.g. mobile,fixed_line_or_mobile,voip (default: mobile,fixed_line_or_mobile); other types are invalid.")
    var numberTypes: String?

    /// Checks every value, naming the option and the value.
    func validate() throws {
        do {
            _ = try resolved()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Takes each option the command line did not set from the job file.
    mutating func apply(_ file: JobFile) {
        if sendWindow == nil { sendWindow = file.strings["send-window"] }
        if sendDays == nil { sendDays = file.strings["send-days"] }
        if notBefore == nil { notBefore = file.strings["not-before"] }
        if notAfter == nil { notAfter = file.strings["not-after"] }
        if numberTypes == nil { numberTypes = file.strings["number-types"] }
    }

    /// The values as the job stores them: the window in its canonical form, times in Unix seconds, the
    /// number types sorted (nil for the default).
    func resolved() throws -> (window: String?, notBefore: Double?, notAfter: Double?, numberTypes: [String]?) {
        let window = sendWindow == nil && sendDays == nil ? nil : try SendWindow(window: sendWindow, days: sendDays)
        let start = try notBefore.map { text throws(SendWindowError) in try SendSchedule.parseTime(text, option: "--not-before") }
        let end = try notAfter.map { text throws(SendWindowError) in try SendSchedule.parseTime(text, option: "--not-after") }
        if let start, let end, end <= start {
            throw SendWindowError.endBeforeStart(notBefore: notBefore ?? "", notAfter: notAfter ?? "")
        }
        let types = try numberTypes.flatMap { text throws(NumberTypesError) in try PhoneNumberType.parseList(text) }
        return (window?.description, start, end, types)
    }
}
