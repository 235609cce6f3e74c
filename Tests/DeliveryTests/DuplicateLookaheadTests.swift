@testable import Delivery
import Foundation
import Recipients
import Testing
import TestSupport

/// The pieces of the duplicate check past the table's size, against brute force.
@Suite("Duplicate lookahead", .temporaryFiles)
struct DuplicateLookaheadTests {
    /// Random segments settled one after another, against earlier runs whose numbers repeat (also across
    /// runs) and span more than one read block: each segment's duplicates are exactly those of a plain
    /// first-row-wins pass over all rows so far.
    @Test(arguments: [1, 2, 3])
    func segmentsSettledAgainstEarlierRunsGiveTheFirstRowOfEveryRepeat(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var runs: [PairRun] = []
        var first: [UInt64: UInt64] = [:]
        var row: UInt64 = 0
        // An "earlier" part written as runs directly (as the table's numbers are), 3 runs, > 4,096 pairs each.
        let builder = PairRunBuilder(runCapacity: 5_000)
        for _ in 0..<14_000 {
            row += 1
            let number = UInt64.random(in: 0..<9_000, using: &random) + 1
            if first[number] == nil {
                first[number] = row
                try builder.add(number, row)
            }
        }
        runs = try builder.finish()
        #expect(runs.count == 2 || runs.count == 3)
        for _ in 0..<12 {
            var segment: [SortPair] = []
            var expected: [SortPair] = []
            for _ in 0..<Int(UInt64.random(in: 0..<3_000, using: &random)) {
                row += 1
                let number = UInt64.random(in: 0..<12_000, using: &random) + 1
                if let earlier = first[number] { expected.append(SortPair(key: row, value: earlier)) } else { first[number] = row }
                segment.append(SortPair(key: number, value: row))
            }
            segment.shuffle(using: &random)
            let duplicates = try DuplicateLookahead.settle(&segment, against: &runs)
            #expect(duplicates == expected)
            #expect(segment.isEmpty)
        }
    }

    /// The heap merge hands every value out once, in order, across many spilled runs, refills of their
    /// 32 KB read blocks, and the last run kept in memory; then nil, and nil again.
    @Test func theExternalSortGivesEveryValueInOrder() throws {
        var random = SplitMix64(seed: 9)
        let sorter = ExternalSorter<UInt64>(runCapacity: 7_001)
        var values: [UInt64] = []
        for _ in 0..<60_000 {
            let value = UInt64.random(in: 0..<20_000, using: &random)  // many repeats, within and across runs
            values.append(value)
            try sorter.add(value)
        }
        var out: [UInt64] = []
        while let value = try sorter.next() { out.append(value) }
        #expect(out == values.sorted())
        #expect(try sorter.next() == nil)
    }

    /// Stopped after its first segment, in the middle of a file: `stop` returns (the thread ended), and a
    /// second `stop` is harmless.
    @Test func aLookaheadStoppedMidFileEndsItsThread() throws {
        let csv = try #require(TemporaryFiles.root) + "/ahead.csv"
        var text = "phone,name\n"
        for i in 0..<50_000 { text += "+244923\(String(format: "%06d", i % 30_000)),N\(i)\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let reader = try CSVReader(path: csv)
        defer { reader.close() }
        let classifier = try RecipientClassifier(header: reader.header, phoneColumn: nil, defaultRegion: "AO", message: "Hi {{name}}")
        let source = DuplicateCheck.Source(
            path: csv, delimiter: reader.delimiter, usable: try UsableNumber(header: reader.header, classifier: classifier),
            identity: reader.fileIdentity, size: reader.fileIdentity.size, dataStart: reader.dataStart.byteOffset)
        let lookahead = DuplicateLookahead(source: source, from: reader.position, earlier: [], segmentRows: 1_000)
        #expect(try lookahead.firstRow(ofDuplicate: 10) == nil)
        #expect(try lookahead.firstRow(ofDuplicate: 30_001) == 1)
        lookahead.stop()
        lookahead.stop()
    }
}
