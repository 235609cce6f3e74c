@testable import Checkpoint
import Foundation
import Recipients
import Testing

/// Chunks cut by window group (rows that open and close together share a batch, never a far-away
/// number), deterministically; expiry at the campaign's end; counts by group and by number type.
@Suite("State store: window groups, expiry, number types")
struct WindowGroupTests {
    func row(_ n: Int, _ group: String?, type: PhoneNumberType? = .mobile, status: RecipientStatus = .pending) -> IngestRow {
        IngestRow(row: n, line: n + 1, phone: "+\(244_923_000_000 + n)", e164: 244_923_000_000 + UInt64(n), status: status,
                  reason: status == .pending ? nil : "why", content: nil, numberType: type, windowGroup: group)
    }

    /// Rows in the interleaved order a real file has: Luanda, New York, Luanda, Chicago+Denver, ….
    var mixed: [IngestRow] {
        let groups = ["Africa/Luanda", "America/New_York", "Africa/Luanda", "America/Chicago America/Denver", "Africa/Luanda",
                      "America/New_York", "Africa/Luanda", "Africa/Luanda", "America/New_York"]
        return groups.enumerated().map { row($0.offset + 1, $0.element) }
    }

    func cutAll(_ rows: [IngestRow], chunkSize: Int, cutOnce: Int = 10_000) throws -> [[Int]: String?] {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(chunkSize: chunkSize), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: chunkSize)
            try writer.write(rows, offset: 1, line: rows.count + 1, rowCount: rows.count)
            _ = try writer.complete()
            while try store.cutChunks(jobID: job.id, recipients: cutOnce, grouped: true) > 0 {}
            var result: [[Int]: String?] = [:]
            for chunk in try store.chunks(jobID: job.id, in: [.pending]) {
                let members = try store.members(jobID: job.id, seq: chunk.seq).map(\.row)
                #expect(members.count == chunk.size)
                result[members] = chunk.windowGroup
            }
            return result
        }
    }

    @Test func aBatchHoldsOneWindowGroupAndEachGroupsChunksAreWhole() throws {
        let chunks = try cutAll(mixed, chunkSize: 2)
        #expect(chunks == [
            [1, 3]: "Africa/Luanda", [5, 7]: "Africa/Luanda", [8]: "Africa/Luanda",
            [2, 6]: "America/New_York", [9]: "America/New_York",
            [4]: "America/Chicago America/Denver",
        ])
        // Cut a few rows at a time or all at once, the chunks are the same.
        #expect(try cutAll(mixed, chunkSize: 2, cutOnce: 2) == chunks)
    }

    @Test func chunksAreNumberedByTheirFirstRow() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(chunkSize: 2), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            try writer.write(mixed, offset: 1, line: 10, rowCount: 9)
            _ = try writer.complete()
            #expect(try store.cutChunks(jobID: job.id, grouped: true) == 6)
            let firsts = try store.chunks(jobID: job.id, in: [.pending]).map { try store.members(jobID: job.id, seq: $0.seq).first?.row }
            #expect(firsts == [1, 2, 4, 5, 8, 9])
        }
    }

    @Test func rowsWithoutAGroupCutExactlyAsBefore() throws {
        let plain = (1...5).map { row($0, nil) }
        #expect(try cutAll(plain, chunkSize: 2) == [[1, 2]: nil, [3, 4]: nil, [5]: nil])
    }

    @Test func theCampaignsEndExpiresUncutRowsAndChunksButNeverSentOnes() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(chunkSize: 2), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            try writer.write((1...9).map { row($0, nil) }, offset: 1, line: 10, rowCount: 9)
            _ = try writer.complete()
            #expect(try store.cutChunks(jobID: job.id, recipients: 2) == 1)  // rows 1 and 2
            try store.markAccepted(jobID: job.id, seq: 0, campaignID: "c", messageID: nil, httpStatus: 202, traceID: nil, attemptID: nil)
            #expect(try store.cutChunks(jobID: job.id, recipients: 2) == 1)  // rows 3 and 4
            #expect(try store.expireUncut(jobID: job.id, reason: "ended") == 5)
            try store.markExpired(jobID: job.id, seq: 1, reason: "ended")
            let counts = try store.counts(jobID: job.id)
            #expect(counts.recipients(.sent) == 2)
            #expect(counts.recipients(.expired) == 7)
            #expect(counts.chunks(.expired) == 1)
            #expect(counts.openChunks == 0)
            #expect(throws: StateStoreError.self) { try store.markExpired(jobID: job.id, seq: 0, reason: "ended") }
        }
    }

    @Test func pendingRowsAreCountedByGroupAndEveryValidNumberByType() throws {
        try withTemporaryStore { store in
            let job = try store.createJob(name: "j", settings: testSettings(chunkSize: 2), inputFingerprint: "f")
            let writer = try IngestWriter(store: store, jobID: job.id, kind: .batch, chunkSize: 2)
            var rows = mixed
            rows.append(row(10, nil, type: .fixedLine, status: .invalid))
            rows.append(IngestRow(row: 11, line: 12, phone: "bad", e164: nil, status: .invalid, reason: "why", content: nil))
            try writer.write(rows, offset: 1, line: 12, rowCount: 11)
            _ = try writer.complete()
            #expect(try store.pendingWindowGroups(jobID: job.id) == [
                WindowGroupCount(group: "Africa/Luanda", rows: 5), WindowGroupCount(group: "America/New_York", rows: 3),
                WindowGroupCount(group: "America/Chicago America/Denver", rows: 1),
            ])
            #expect(try store.numberTypeCounts(jobID: job.id) == ["mobile": 9, "fixed_line": 1])
        }
    }

    @Test func settingsWithoutWindowFieldsReadBackAsBefore() throws {
        // A job created by an earlier version has no window keys in its settings JSON.
        let old = #"{"csvPath":"x.csv","sender":"s","message":"m","country":"AO","chunkSize":2}"#
        let settings = try JSONDecoder().decode(JobSettings.self, from: Data(old.utf8))
        #expect(settings.sendWindow == nil && settings.notAfter == nil && settings.numberTypes == nil)
        var changed = settings
        changed.sendWindow = "09:00-20:00"
        changed.notAfter = 1
        #expect(changed.differences(from: settings) == ["--send-window/--send-days", "--not-after"])
    }
}
