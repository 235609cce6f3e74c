import Testing
@testable import ZiettSimulator

/// The hand-written RFC 3339 reader and writer behind every timestamp and `created_at` filter.
@Suite struct TimestampTests {
    @Test func writesBothDocumentedStyles() {
        #expect(Timestamp.format(1_752_489_000.25, style: .microsecondsOffset) == "2025-07-14T10:30:00.250000+00:00")
        #expect(Timestamp.format(1_566_656_122.123, style: .millisecondsZ) == "2019-08-24T14:15:22.123Z")
    }

    @Test func readsRFC3339WithOffsetsAndFractions() {
        #expect(Timestamp.parse("2026-01-01T00:00:00Z") == 1_767_225_600)
        #expect(Timestamp.parse("2026-01-01T01:00:00+01:00") == 1_767_225_600)
        #expect(Timestamp.parse("2026-01-01t00:00:00.5z") == 1_767_225_600.5)
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") != nil)
    }

    @Test func refusesWhatIsNotADateTime() {
        for text in ["2026-01-01", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00", "2026-01-01T24:00:00Z", "yesterday", "2026-01-01T00:00:00+0100"] {
            #expect(Timestamp.parse(text) == nil, "\(text)")
        }
    }
}
