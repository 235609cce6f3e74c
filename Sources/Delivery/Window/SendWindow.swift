public import Foundation

/// The local hours (and week days) in which a recipient may be texted: `--send-window 09:00-20:00`,
/// `--send-days mon-fri`.
///
/// A window whose end is not after its start crosses midnight (`20:00-02:00`): it belongs to the day it
/// opens, so `--send-days fri` with `20:00-02:00` is open from Friday 20:00 to Saturday 02:00. Times are
/// read in each recipient's own time zone with Foundation's IANA tz database (DST included; on Linux the
/// copy in the Swift runtime's ICU): a local time that a spring-forward skips is never open, one that an
/// autumn fall-back repeats is open both times.
public struct SendWindow: Sendable, Equatable, CustomStringConvertible {
    /// Opening, in minutes after local midnight (0..<1440).
    public let start: Int
    /// Closing, in minutes after local midnight (1...1440, exclusive); not after `start`: the next day.
    public let end: Int
    /// Week days (Calendar numbering: 1 = Sunday … 7 = Saturday) on which the window opens.
    public let days: Set<Int>

    /// Every day of the week.
    public static let everyDay: Set<Int> = Set(1...7)
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Creates a window from minutes and week days.
    public init(start: Int, end: Int, days: Set<Int> = SendWindow.everyDay) {
        self.start = start
        self.end = end
        self.days = days
    }

    /// Parses `--send-window` (`HH:MM-HH:MM`; nil: the whole day) and `--send-days` (`mon-fri`,
    /// `mon,wed,fri`, `fri-mon`; nil: every day).
    public init(window: String?, days: String?) throws(SendWindowError) {
        var start = 0, end = 1440
        if let window {
            let parts = window.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2, let from = Self.minutes(parts[0], allowMidnightEnd: false),
                  let to = Self.minutes(parts[1], allowMidnightEnd: true)
            else { throw .window(window, "expected HH:MM-HH:MM in 24-hour time, e.g. 09:00-20:00 or 20:00-02:00") }
            guard from != to % 1440 else { throw .window(window, "it opens and closes at the same time") }
            (start, end) = (from, to)
        }
        var chosen = Self.everyDay
        if let days { chosen = try Self.parseDays(days) }
        self.init(start: start, end: end, days: chosen)
    }

    /// True when the window ends on the day after it opens.
    public var crossesMidnight: Bool { end <= start }

    /// `09:00-20:00 mon,tue,wed,thu,fri` (the days only when not every day): how the job stores it.
    public var description: String {
        let hours = "\(Self.clock(start))-\(Self.clock(end))"
        guard days != Self.everyDay else { return hours }
        return hours + " " + (1...7).filter(days.contains).map { Self.dayNames[$0 - 1] }.joined(separator: ",")
    }

    /// Whether the window is open at `time` (Unix seconds) in `zone`.
    public func isOpen(at time: Double, in zone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute, .weekday], from: Date(timeIntervalSince1970: time))
        guard let hour = parts.hour, let minute = parts.minute, let weekday = parts.weekday else { return false }
        let local = hour * 60 + minute
        let yesterday = (weekday + 5) % 7 + 1
        if crossesMidnight {
            return (local >= start && days.contains(weekday)) || (local < end && days.contains(yesterday))
        }
        return local >= start && local < end && days.contains(weekday)
    }

    /// The instants at which the window opens in `zone`, from the local day before `time` to `horizon`
    /// days after it, in order. A local opening time that DST skips maps to the instant just after the gap.
    func openings(in zone: TimeZone, around time: Double, horizon: Int) -> [Double] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: Date(timeIntervalSince1970: time))
        var result: [Double] = []
        for offset in -1...horizon {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today),
                  days.contains(calendar.component(.weekday, from: day))
            else { continue }
            var parts = calendar.dateComponents([.year, .month, .day], from: day)
            parts.hour = start / 60
            parts.minute = start % 60
            if let opening = calendar.date(from: parts) { result.append(opening.timeIntervalSince1970) }
        }
        return result.sorted()
    }

    private static func minutes(_ text: Substring, allowMidnightEnd: Bool) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<60).contains(minute)
        else { return nil }
        if hour == 24 && minute == 0 && allowMidnightEnd { return 1440 }
        guard (0..<24).contains(hour) else { return nil }
        return hour * 60 + minute
    }

    private static func clock(_ minutes: Int) -> String {
        let hour = minutes / 60, minute = minutes % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    private static func day(_ text: Substring) -> Int? {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard key.count >= 3 else { return nil }
        let names = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
        return names.firstIndex { $0.hasPrefix(key) }.map { $0 + 1 }
    }

    private static func parseDays(_ text: String) throws(SendWindowError) -> Set<Int> {
        var result = Set<Int>()
        for item in text.split(separator: ",") {
            let range = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(range.count), let first = day(range[0]), let last = day(range[range.count - 1]) else {
                throw .days(text, "expected day names or ranges such as mon-fri, sat,sun or fri-mon")
            }
            var current = first
            while true {
                result.insert(current)
                if current == last { break }
                current = current % 7 + 1
            }
        }
        guard !result.isEmpty else { throw .days(text, "no day given") }
        return result
    }
}

/// An invalid `--send-window`, `--send-days`, `--not-before` or `--not-after`, naming the option and the value.
public enum SendWindowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--send-window` does not parse.
    case window(String, String)
    /// `--send-days` does not parse.
    case days(String, String)
    /// `--not-before` / `--not-after` is not an ISO 8601 time with an offset (the option, the value).
    case time(option: String, value: String)
    /// `--not-after` is not after `--not-before`.
    case endBeforeStart(notBefore: String, notAfter: String)

    public var description: String {
        switch self {
        case .window(let value, let why): "--send-window \"\(value)\": \(why)"
        case .days(let value, let why): "--send-days \"\(value)\": \(why)"
        case .time(let option, let value):
            "\(option) \"\(value)\": expected an ISO 8601 time with a UTC offset, e.g. 2026-12-01T18:00:00Z or 2026-12-01T19:00:00+01:00"
        case .endBeforeStart(let start, let end): "--not-after \(end) is not after --not-before \(start)"
        }
    }
}
