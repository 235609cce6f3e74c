public import Foundation
import Synchronization
import ZiettAPI

/// When a job may send to a window group: its send window in the group's time zones, between the
/// campaign's start (`--not-before`) and end (`--not-after`).
///
/// A group is a row's time zones, space-separated (the `timezone` cell, or libphonenumber's zones for
/// the number). A group with several zones is open only when the window is open in every one of them.
/// `Etc/Unknown` (libphonenumber knows no zone for the number) and any name the system does not know
/// are read as UTC. Pure apart from the tz database: times come in, verdicts go out.
public struct SendSchedule: Sendable, Equatable {
    /// The local hours and days, nil for any time.
    public var window: SendWindow?
    /// Nothing is sent before this time (Unix seconds).
    public var notBefore: Double?
    /// After this time nothing is sent: the remaining rows expire.
    public var notAfter: Double?

    /// How far ahead (days) an opening is looked for; a group whose zones' windows never overlap within
    /// it never opens.
    static let horizonDays = 8

    /// Creates a schedule.
    public init(window: SendWindow? = nil, notBefore: Double? = nil, notAfter: Double? = nil) {
        self.window = window
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// True when the schedule restricts nothing.
    public var isUnrestricted: Bool { window == nil && notBefore == nil && notAfter == nil }

    /// What the schedule says for a group at a time.
    public enum Verdict: Sendable, Equatable {
        /// Sending is allowed now.
        case open
        /// Closed now; opens at this time (Unix seconds).
        case opensAt(Double)
        /// Closed, and no opening before the campaign's end or within `horizonDays` (the zones' windows
        /// do not overlap).
        case neverOpens
        /// The campaign ended (`--not-after` passed): nothing more is sent.
        case ended
    }

    /// The verdict for `group` (its time zones, space-separated; nil: no zone known, read as UTC) at `now`.
    public func verdict(group: String?, at now: Double) -> Verdict {
        verdict(zones: Self.zones(of: group), at: now)
    }

    /// The verdict for a set of zones at `now`.
    public func verdict(zones: [TimeZone], at now: Double) -> Verdict {
        if let notAfter, now >= notAfter { return .ended }
        let from = max(now, notBefore ?? now)
        guard let window else { return from <= now ? .open : opening(from) }
        // The zones' windows are open together from `from`, from one of their openings, or from a DST change
        // (a window that opens in a skipped local hour opens when the clock jumps).
        var candidates = [from]
        let horizon = from + Double(Self.horizonDays + 1) * 86_400
        for zone in zones {
            candidates += window.openings(in: zone, around: from, horizon: Self.horizonDays).filter { $0 > from }
            var date = Date(timeIntervalSince1970: from)
            while let change = zone.nextDaylightSavingTimeTransition(after: date), change.timeIntervalSince1970 < horizon {
                candidates.append(change.timeIntervalSince1970)
                date = change
            }
        }
        for time in candidates.sorted() where zones.allSatisfy({ window.isOpen(at: time, in: $0) }) {
            return time <= now ? .open : opening(time)
        }
        return .neverOpens
    }

    private func opening(_ time: Double) -> Verdict {
        if let notAfter, time >= notAfter { return .neverOpens }
        return .opensAt(time)
    }

    /// The zones of a group: its names, each known to the system, else UTC.
    public static func zones(of group: String?) -> [TimeZone] {
        let names = group?.split(separator: " ").map(String.init) ?? []
        let zones = names.map { TimeZone(identifier: $0) ?? utc }
        return zones.isEmpty ? [utc] : Array(Set(zones)).sorted { $0.identifier < $1.identifier }
    }

    /// Whether `name` is an IANA zone Foundation's tz database knows (for the `timezone` column, and for
    /// every zone libphonenumber gives a number). Asked once per row: the answers are kept.
    public static func isKnownZone(_ name: String) -> Bool {
        if let known = knownZones.withLock({ $0[name] }) { return known }
        let known = name != "Etc/Unknown" && TimeZone(identifier: name) != nil
        knownZones.withLock { $0[name] = known }
        return known
    }

    private static let knownZones = Mutex<[String: Bool]>([:])

    static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

    /// Parses an ISO 8601 time with a UTC offset (`2026-12-01T18:00:00Z`, `…+01:00`, fractional seconds
    /// allowed) for `option`.
    public static func parseTime(_ text: String, option: String) throws(SendWindowError) -> Double {
        guard let date = Date(iso8601: text.trimmingCharacters(in: .whitespaces)) else {
            throw .time(option: option, value: text)
        }
        return date.timeIntervalSince1970
    }

    /// `2026-12-01T18:00:00Z`: how times are shown.
    public static func format(_ time: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }
}
