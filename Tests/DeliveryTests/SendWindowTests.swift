import Delivery
import Foundation
import Testing
import ZiettAPI

/// Send windows read in each recipient's local time, with the system tz database: midnight-crossing
/// windows, week days, DST changes, several zones at once, campaign start and end.
@Suite("Send windows and the campaign's start and end")
struct SendWindowTests {
    /// Unix seconds of an ISO 8601 time (the tests' expectations are written as UTC instants).
    func t(_ iso: String) throws -> Double { try SendSchedule.parseTime(iso, option: "test") }
    func zone(_ name: String) throws -> TimeZone { try #require(TimeZone(identifier: name)) }

    @Test func parsesWindowsAndDaysAndNamesTheOptionWhenItCannot() throws {
        #expect(try SendWindow(window: "09:00-20:00", days: nil).description == "09:00-20:00")
        #expect(try SendWindow(window: "20:00-02:00", days: "mon-fri").description == "20:00-02:00 mon,tue,wed,thu,fri")
        #expect(try SendWindow(window: "08:00-24:00", days: "fri-mon").description == "08:00-24:00 sun,mon,fri,sat")
        #expect(try SendWindow(window: nil, days: "Sat,sunday").description == "00:00-24:00 sun,sat")
        #expect(try SendWindow(window: "20:00-02:00", days: nil).crossesMidnight)
        for bad in ["9-20", "09:00", "09:00-09:00", "25:00-26:00", "09:60-10:00", "24:00-09:00", "09:00-20:00-21:00"] {
            #expect(throws: SendWindowError.self) { try SendWindow(window: bad, days: nil) }
        }
        do {
            _ = try SendWindow(window: "9h-20h", days: nil)
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("--send-window \"9h-20h\""))
        }
        #expect(throws: SendWindowError.days("weekdays", "expected day names or ranges such as mon-fri, sat,sun or fri-mon")) {
            try SendWindow(window: nil, days: "weekdays")
        }
        #expect(throws: SendWindowError.time(option: "--not-after", value: "2026-12-01 18:00")) {
            try SendSchedule.parseTime("2026-12-01 18:00", option: "--not-after")
        }
        #expect(try t("2026-12-01T19:00:00+01:00") == t("2026-12-01T18:00:00Z"))
    }

    @Test func aWindowIsReadInTheRecipientsLocalTime() throws {
        let window = try SendWindow(window: "09:00-20:00", days: nil)
        let luanda = try zone("Africa/Luanda")  // UTC+1, no DST
        #expect(!window.isOpen(at: try t("2026-06-10T07:59:00Z"), in: luanda))
        #expect(window.isOpen(at: try t("2026-06-10T08:00:00Z"), in: luanda))
        #expect(window.isOpen(at: try t("2026-06-10T18:59:00Z"), in: luanda))
        #expect(!window.isOpen(at: try t("2026-06-10T19:00:00Z"), in: luanda))
        let schedule = SendSchedule(window: window)
        #expect(schedule.verdict(group: "Africa/Luanda", at: try t("2026-06-10T03:00:00Z")) == .opensAt(try t("2026-06-10T08:00:00Z")))
        #expect(schedule.verdict(group: "Africa/Luanda", at: try t("2026-06-10T12:00:00Z")) == .open)
        #expect(schedule.verdict(group: "Africa/Luanda", at: try t("2026-06-10T19:30:00Z")) == .opensAt(try t("2026-06-11T08:00:00Z")))
    }

    @Test func aMidnightCrossingWindowBelongsToTheDayItOpens() throws {
        // Friday 20:00 to Saturday 02:00 in Lisbon (winter: UTC+0); Saturday 20:00 opens nothing.
        let schedule = SendSchedule(window: try SendWindow(window: "20:00-02:00", days: "fri"))
        let lisbon = "Europe/Lisbon"
        #expect(schedule.verdict(group: lisbon, at: try t("2026-01-09T21:00:00Z")) == .open)  // Fri 21:00
        #expect(schedule.verdict(group: lisbon, at: try t("2026-01-10T01:59:00Z")) == .open)  // Sat 01:59
        #expect(schedule.verdict(group: lisbon, at: try t("2026-01-10T02:00:00Z")) == .opensAt(try t("2026-01-16T20:00:00Z")))
        #expect(schedule.verdict(group: lisbon, at: try t("2026-01-09T01:00:00Z")) == .opensAt(try t("2026-01-09T20:00:00Z")))  // Fri 01:00: Thursday's window
    }

    @Test func dstChangesMoveTheUTCOpening() throws {
        let schedule = SendSchedule(window: try SendWindow(window: "09:00-17:00", days: nil))
        // New York: EST (UTC-5) until 2026-03-08 02:00, then EDT (UTC-4).
        let ny = "America/New_York"
        #expect(schedule.verdict(group: ny, at: try t("2026-03-07T12:00:00Z")) == .opensAt(try t("2026-03-07T14:00:00Z")))
        #expect(schedule.verdict(group: ny, at: try t("2026-03-08T12:00:00Z")) == .opensAt(try t("2026-03-08T13:00:00Z")))
        #expect(schedule.verdict(group: ny, at: try t("2026-03-08T13:00:00Z")) == .open)
        // Autumn: EDT until 2026-11-01 02:00, then EST; 16:30 local is 20:30Z before and 21:30Z after.
        #expect(schedule.verdict(group: ny, at: try t("2026-10-31T20:30:00Z")) == .open)
        #expect(schedule.verdict(group: ny, at: try t("2026-10-31T21:00:00Z")) == .opensAt(try t("2026-11-01T14:00:00Z")))
        #expect(schedule.verdict(group: ny, at: try t("2026-11-01T21:30:00Z")) == .open)
    }

    @Test func aMidnightCrossingWindowOnTheNightDSTStarts() throws {
        // New York, Saturday 2026-03-07 20:00 EST (01:00Z) to "02:00" on Sunday, which the clock skips:
        // 01:59 EST is followed by 03:00 EDT (07:00Z), already past the window's end.
        let schedule = SendSchedule(window: try SendWindow(window: "20:00-02:00", days: nil))
        let ny = "America/New_York"
        #expect(schedule.verdict(group: ny, at: try t("2026-03-08T00:59:00Z")) == .opensAt(try t("2026-03-08T01:00:00Z")))
        #expect(schedule.verdict(group: ny, at: try t("2026-03-08T06:59:00Z")) == .open)
        // Next opening: Sunday 20:00 EDT = Monday 00:00Z.
        #expect(schedule.verdict(group: ny, at: try t("2026-03-08T07:00:00Z")) == .opensAt(try t("2026-03-09T00:00:00Z")))
    }

    @Test func aLocalTimeThatDSTSkipsIsNeverOpenAndTheOpeningIsNeverEarly() throws {
        // Europe/Lisbon jumps from 01:00 to 02:00 on 2026-03-29 (UTC 01:00). A 01:30-03:00 window opens at 02:00 local.
        let window = try SendWindow(window: "01:30-03:00", days: nil)
        let lisbon = try zone("Europe/Lisbon")
        #expect(!window.isOpen(at: try t("2026-03-29T00:59:00Z"), in: lisbon))  // 00:59 local
        #expect(window.isOpen(at: try t("2026-03-29T01:00:00Z"), in: lisbon))  // 02:00 local (WEST)
        let verdict = SendSchedule(window: window).verdict(group: "Europe/Lisbon", at: try t("2026-03-29T00:00:00Z"))
        #expect(verdict == .opensAt(try t("2026-03-29T01:00:00Z")))
    }

    @Test func aGroupOfSeveralZonesIsOpenOnlyWhenEveryOneIs() throws {
        let schedule = SendSchedule(window: try SendWindow(window: "09:00-20:00", days: nil))
        // Chicago (CDT, UTC-5) and Denver (MDT, UTC-6) in June: open 15:00Z (Denver 09:00) to 01:00Z (Chicago 20:00).
        let group = "America/Chicago America/Denver"
        #expect(schedule.verdict(group: group, at: try t("2026-06-10T14:30:00Z")) == .opensAt(try t("2026-06-10T15:00:00Z")))
        #expect(schedule.verdict(group: group, at: try t("2026-06-11T00:59:00Z")) == .open)
        #expect(schedule.verdict(group: group, at: try t("2026-06-11T01:00:00Z")) == .opensAt(try t("2026-06-11T15:00:00Z")))
        // Windows that never overlap: Auckland and Honolulu (22 or 23 hours apart) for one hour each.
        let short = SendSchedule(window: try SendWindow(window: "09:00-10:00", days: nil))
        #expect(short.verdict(group: "Pacific/Auckland Pacific/Honolulu", at: try t("2026-06-10T00:00:00Z")) == .neverOpens)
    }

    @Test func unknownZonesAreReadAsUTC() throws {
        let schedule = SendSchedule(window: try SendWindow(window: "09:00-20:00", days: nil))
        #expect(schedule.verdict(group: "Etc/Unknown", at: try t("2026-06-10T08:00:00Z")) == .opensAt(try t("2026-06-10T09:00:00Z")))
        #expect(schedule.verdict(group: nil, at: try t("2026-06-10T09:00:00Z")) == .open)
        #expect(!SendSchedule.isKnownZone("Etc/Unknown"))
        #expect(!SendSchedule.isKnownZone("Mars/Olympus_Mons"))
        #expect(SendSchedule.isKnownZone("Africa/Luanda"))
    }

    @Test func theCampaignsStartAndEndBoundEveryWindow() throws {
        let start = try t("2026-06-12T10:00:00Z"), end = try t("2026-06-13T10:00:00Z")
        let schedule = SendSchedule(window: try SendWindow(window: "09:00-20:00", days: nil), notBefore: start, notAfter: end)
        #expect(schedule.verdict(group: "UTC", at: try t("2026-06-10T12:00:00Z")) == .opensAt(start))
        #expect(schedule.verdict(group: "UTC", at: start) == .open)
        #expect(schedule.verdict(group: "UTC", at: try t("2026-06-12T21:00:00Z")) == .opensAt(try t("2026-06-13T09:00:00Z")))
        #expect(schedule.verdict(group: "UTC", at: end) == .ended)
        // After the end's last window: nothing opens before the end.
        let early = SendSchedule(window: try SendWindow(window: "09:00-20:00", days: nil), notAfter: try t("2026-06-13T05:00:00Z"))
        #expect(early.verdict(group: "UTC", at: try t("2026-06-12T21:00:00Z")) == .neverOpens)
        // No window: only the start and the end.
        let bounds = SendSchedule(notBefore: start, notAfter: end)
        #expect(bounds.verdict(group: nil, at: start - 60) == .opensAt(start))
        #expect(bounds.verdict(group: nil, at: start + 60) == .open)
        #expect(bounds.verdict(group: nil, at: end + 1) == .ended)
    }

    @Test func theGateWaitsForTheWindowAndCallsAClosedOneTooFar() throws {
        let schedule = SendSchedule(window: try SendWindow(window: "09:00-20:00", days: nil))
        let window: (Double) -> Double? = { time in
            switch schedule.verdict(group: "UTC", at: time) {
            case .open: time
            case .opensAt(let opening): opening
            case .neverOpens, .ended: nil
            }
        }
        var gate = RequestSchedule(maxWait: 900)
        let nine = try t("2026-06-10T09:00:00Z")
        #expect(gate.gate(.sendBatch, window: window, now: nine - 600) == .wait(until: nine))
        #expect(gate.gate(.sendBatch, window: window, now: nine - 3600) == .tooFar(until: nine))
        #expect(gate.gate(.sendBatch, window: window, now: nine) == .go)
        #expect(gate.gate(.sendBatch, window: { _ in nil }, now: nine) == .tooFar(until: .infinity))
    }
}
