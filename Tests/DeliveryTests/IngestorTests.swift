@testable import Checkpoint
import Delivery
import Foundation
import Recipients
import SQLite
import Testing
import TestSupport

@Suite("Ingestor", .temporaryFiles)
struct IngestorTests {
    /// 60 rows: repeats in every written form, invalid rows, suppressed numbers and repeats of them.
    func writeInput() throws -> (dir: String, csv: String) {
        let dir = temporaryDirectory()
        var lines = ["phone,name"]
        for i in 0..<60 {
            let n = 923_000_000 + (i % 7 == 3 ? i - 3 : i) % 23  // repeats: i and i+23, and every 7th row
            switch i % 5 {
            case 0: lines.append("+244\(n),P\(i)")
            case 1: lines.append("\(n),P\(i)")
            case 2: lines.append("00244\(n),P\(i)")
            case 3: lines.append(i % 2 == 0 ? "12,P\(i)" : "\(n / 1000)-\(n % 1000),P\(i)")
            default: lines.append("+244 \(n),P\(i)")
            }
        }
        let csv = dir + "/in.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        return (dir, csv)
    }

    let suppressed: [UInt64] = [244_923_000_004, 244_923_000_011]

    /// Ingests `csv`; `tableSlots` 16 makes the duplicate check fill its table part-way and switch to its
    /// external sort (with tiny runs, spilled to temporary files).
    func ingest(
        csv: String, state: String, message: String, tableSlots: Int = 1_500_000, stopAfterBatches: Int? = nil
    ) throws -> (Ingestor.Summary, SQLiteStateStore, Job) {
        let store = try SQLiteStateStore(path: state)
        let settings = JobSettings(csvPath: csv, sender: "s", message: message, country: "AO", phoneColumn: nil, chunkSize: 4)
        let job = try store.job(named: "j") ?? store.createJob(name: "j", settings: settings, inputFingerprint: "f")
        var ingestor = Ingestor()
        ingestor.batchSize = 5
        ingestor.duplicateTableSlots = tableSlots
        ingestor.duplicateRunCapacity = 4
        var batches = 0
        let summary = try ingestor.run(
            store: store, job: job,
            classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: message) },
            suppression: suppressed,
            shouldStop: {
                batches += 1
                return stopAfterBatches.map { batches >= $0 } ?? false
            })
        return (summary, store, try #require(try store.job(named: "j")))
    }

    /// Status, reason and chunk of every row, in row order.
    func snapshot(_ store: SQLiteStateStore, _ job: Job) throws -> [String] {
        var rows: [String] = []
        try store.forEachRecipient(jobID: job.id) { rows.append("\($0.row) \($0.status) \($0.reason ?? "-") \($0.chunk.map(String.init) ?? "-")") }
        return rows
    }

    @Test(arguments: ["Hello {{name}}", "Same text for all"], [1_500_000, 16])
    func firstRowWinsSuppressionAppliesAndEveryPendingRowIsCutIntoOneChunk(message: String, tableSlots: Int) throws {
        let (dir, csv) = try writeInput()
        let (summary, store, job) = try ingest(csv: csv, state: dir + "/s.sqlite", message: message, tableSlots: tableSlots)
        #expect(summary.planned && summary.rowsRead == 60)
        #expect(summary.duplicatesInOnePass == (tableSlots > 16))
        #expect(summary.counts == (try store.counts(jobID: job.id)))
        #expect(try store.database.scalar("SELECT count(*) FROM chunk", []) == 0)
        // The sender cuts chunks as it needs them, a few recipients at a time here.
        while try store.cutChunks(jobID: job.id, recipients: 7) > 0 {}
        // The reference: first usable row of each number wins, then the suppression list applies.
        let classifier = try RecipientClassifier(header: ["phone", "name"], phoneColumn: nil, defaultRegion: "AO", message: message)
        let reader = try CSVReader(path: csv)
        var seen: [UInt64: Int] = [:]
        var expected: [Int: RecipientStatus] = [:]
        while let record = try reader.next() {
            let c = classifier.classify(record)
            guard c.isValid, let e164 = c.e164?.digits else { expected[record.dataRow] = .invalid; continue }
            if seen[e164] != nil { expected[record.dataRow] = .duplicate; continue }
            seen[e164] = record.dataRow
            expected[record.dataRow] = suppressed.contains(e164) ? .suppressed : .pending
        }
        var statuses: [Int: RecipientStatus] = [:]
        var chunkOf: [Int: Int] = [:]
        try store.forEachRecipient(jobID: job.id) { r in
            statuses[r.row] = r.status
            if r.status == .duplicate { #expect(r.reason?.contains("row \(seen[UInt64(r.e164!.dropFirst())!]!)") == true) }
            #expect((r.chunk != nil) == (r.status == .pending))
            if let chunk = r.chunk { chunkOf[r.row] = chunk }
        }
        #expect(statuses == expected)
        #expect(expected.values.contains(.duplicate) && expected.values.contains(.suppressed) && expected.values.contains(.invalid))
        // Chunks hold their members in row order, never more than the chunk size, and their sizes are right.
        var members = 0
        for chunk in try store.chunks(jobID: job.id, in: [.pending]) {
            let rows = try store.members(jobID: job.id, seq: chunk.seq).map(\.row)
            #expect(!rows.isEmpty && rows.count == chunk.size && rows == rows.sorted())
            #expect(rows.count <= (message.contains("{{") ? 1 : 4))
            members += rows.count
        }
        #expect(members == chunkOf.count)
        // What ingest computed for the plan is what the store says.
        #expect(summary.counts == (try store.counts(jobID: job.id)))
        let precomputed = try PlanCalculator(store: store, job: job, maxRate: nil, counts: summary.counts, messages: summary.messages).summary()
        #expect(precomputed == (try PlanCalculator(store: store, job: job, maxRate: nil).summary()))
    }

    @Test(arguments: [1_500_000, 16])
    func anIngestStoppedBetweenBatchesResumesToTheSameState(tableSlots: Int) throws {
        let (dir, csv) = try writeInput()
        let (whole, wholeStore, wholeJob) = try ingest(csv: csv, state: dir + "/whole.sqlite", message: "Hi {{name}}")
        #expect(whole.planned)
        var stops = 0
        // Each part is a run of its own: its store (and the file's lock) is gone before the next opens.
        var planned: (Ingestor.Summary, SQLiteStateStore, Job)?
        while planned == nil {
            let part = try ingest(
                csv: csv, state: dir + "/parts.sqlite", message: "Hi {{name}}", tableSlots: tableSlots,
                stopAfterBatches: stops == 0 ? 1 : 2)
            if part.0.planned { planned = part } else { stops += 1 }
        }
        let result = try #require(planned)
        #expect(stops >= 3)
        #expect(try snapshot(result.1, result.2) == snapshot(wholeStore, wholeJob))
        #expect(try result.1.counts(jobID: result.2.id) == wholeStore.counts(jobID: wholeJob.id))
    }

    /// More numbers than the table's first size: it is resized from the file's density (not doubled step by
    /// step) and the whole file is still checked in one pass.
    @Test func aTableThatOutgrowsItsFirstSizeStaysOnePassAndFindsEveryDuplicate() throws {
        let dir = temporaryDirectory()
        let csv = dir + "/big.csv"
        // 80,000 rows, 60,000 distinct numbers: row r + 60,000 repeats row r.
        var text = "phone,name\n"
        for i in 0..<80_000 { text += "+244923\(String(format: "%06d", i % 60_000)),N\(i)\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try SQLiteStateStore(path: dir + "/s.sqlite")
        let settings = JobSettings(csvPath: csv, sender: "s", message: "Same", country: "AO", phoneColumn: nil, chunkSize: 1000)
        let job = try store.createJob(name: "big", settings: settings, inputFingerprint: "f")
        let summary = try Ingestor().run(
            store: store, job: job,
            classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: "Same") })
        #expect(summary.planned && summary.duplicatesInOnePass)
        #expect(summary.counts?.recipients(.pending) == 60_000 && summary.counts?.recipients(.duplicate) == 20_000)
        #expect(summary.chunks == 60)
        let reasons = try store.database.query(
            "SELECT row, reason FROM recipient WHERE row IN (60001, 80000) ORDER BY row", []) { "\($0.int(0)) \($0.text(1))" }
        #expect(reasons == ["60001 duplicate of row 1 (+244923000000)", "80000 duplicate of row 20000 (+244923019999)"])
    }

    /// A personalised text that repeats: the requests counted while reading (64-bit hashes through an
    /// external sort, spilled here after 4) are those the store counts from the texts themselves, and those
    /// a plain tally of the stored pending texts gives.
    @Test(arguments: [4, 1 << 16])
    func theRequestsOfGroupedTextsCountedWhileReadingAreThoseOfTheStoredTexts(runCapacity: Int) throws {
        let dir = temporaryDirectory()
        var lines = ["phone,city"]
        for i in 0..<200 { lines.append("+24492\(String(format: "%07d", i)),\(i % 3 == 0 ? "Solo \(i)" : "City \(i % 7)")") }
        let csv = dir + "/in.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try SQLiteStateStore(path: dir + "/s.sqlite")
        let message = "Our {{city}} store opens at 9"
        let settings = JobSettings(csvPath: csv, sender: "s", message: message, country: "AO", phoneColumn: nil, chunkSize: 10)
        let job = try store.createJob(name: "j", settings: settings, inputFingerprint: "f")
        var ingestor = Ingestor()
        ingestor.batchSize = 17
        ingestor.textGroupRunCapacity = runCapacity
        let summary = try ingestor.run(
            store: store, job: job,
            classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: message) })
        var tally: [String: Int] = [:]
        for text in try store.database.query("SELECT content FROM recipient WHERE status = 'pending'", [], { $0.text(0) }) {
            tally[text, default: 0] += 1
        }
        // 67 "Solo" rows alone; 133 rows in 7 cities of 19 each: 2 batches each at 10 (10 + 9).
        #expect(tally.count == 67 + 7)
        let expected = tally.values.reduce(RequestCount()) { $0 + ChunkKind.textGroupRequests(count: $1, size: 10) }
        #expect(expected == RequestCount(batches: 14, messages: 67))
        #expect(summary.counts?.openRequests == expected)
        #expect(try store.counts(jobID: job.id).openRequests == expected)
    }

    /// More numbers than the table holds: the rest of the file is settled by the thread reading ahead, a
    /// segment at a time, against the table's numbers and every earlier segment's. Repeats reach back
    /// across many segments and into the table's part; the ingest is stopped part-way several times (the
    /// resumed one seeds more numbers than its table takes, so it reads ahead from the resume point).
    /// Every row's status and reason equal a plain first-row-wins tally of the file. With at most one
    /// segment allowed, the rest goes through the one external sort instead: the same answers.
    @Test(arguments: [1_000, 1])
    func aFileLargerThanTheTableIsSettledAheadSegmentBySegmentAcrossStops(segmentsAtMost: Int) throws {
        let dir = temporaryDirectory()
        let csv = dir + "/big.csv"
        // 6,000 rows, 2,500 distinct numbers: most rows repeat one far back (up to ~5,000 rows), some
        // are written in another form, every 97th is invalid, every 89th a landline (not sent to), and
        // every 41st has a valid number but an empty name (its text cannot render: invalid, and never the
        // first row of its number: the reading ahead must not take it for one).
        var text = "phone,name\n"
        for i in 0..<6_000 {
            let n = i < 2_500 ? i : (i * 7_919) % 2_500
            let digits = "923\(String(format: "%06d", n))"
            let name = i % 41 == 7 ? "" : "N\(i)"
            if i % 97 == 0 { text += "12,N\(i)\n" } else if i % 89 == 5 { text += "+244222\(String(format: "%06d", i)),N\(i)\n" } else {
                text += i % 3 == 0 ? "\(digits),\(name)\n" : "+244\(digits),\(name)\n"
            }
        }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        var first: [String: Int] = [:]
        var expected: [String] = []
        for (index, line) in text.split(separator: "\n").dropFirst().enumerated() {
            let row = index + 1
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            let phone = String(cells[0])
            guard phone != "12", !phone.hasPrefix("+244222"), !cells[1].isEmpty else { expected.append("\(row) invalid"); continue }
            let e164 = phone.hasPrefix("+") ? String(phone.dropFirst()) : "244" + phone
            if let earlier = first[e164] {
                expected.append("\(row) duplicate duplicate of row \(earlier) (+\(e164))")
            } else {
                first[e164] = row
                expected.append("\(row) pending")
            }
        }
        let message = "Hello {{name}}"
        let settings = JobSettings(csvPath: csv, sender: "s", message: message, country: "AO", phoneColumn: nil, chunkSize: 4)
        var stops = 0, runs = 0
        var planned = false
        while !planned {
            let store = try SQLiteStateStore(path: dir + "/s.sqlite")
            let job = try store.job(named: "j") ?? store.createJob(name: "j", settings: settings, inputFingerprint: "f")
            var ingestor = Ingestor()
            ingestor.batchSize = 250
            ingestor.duplicateTableSlots = 1_024  // full after ~768 numbers
            ingestor.duplicateRunCapacity = 100  // segments of 100 usable rows
            ingestor.duplicateSegmentsAtMost = segmentsAtMost
            var batches = 0
            let summary = try ingestor.run(
                store: store, job: job,
                classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: message) },
                shouldStop: {
                    batches += 1
                    return runs < 3 && batches == 4 + runs * 3
                })
            runs += 1
            planned = summary.planned
            if !planned { stops += 1 } else {
                #expect(!summary.duplicatesInOnePass)
                var rows: [String] = []
                try store.forEachRecipient(jobID: job.id) { r in
                    rows.append(r.status == .invalid ? "\(r.row) invalid" : "\(r.row) \(r.status)" + (r.status == .duplicate ? " \(r.reason ?? "")" : ""))
                }
                #expect(rows == expected)
            }
        }
        #expect(stops == 3)
        #expect(expected.filter { $0.hasSuffix("invalid") }.count > 62 + 60 + 140)
        #expect(expected.filter { $0.contains("duplicate") }.count > 3_000)
    }

    /// The CSV is replaced (a new file under the same name, as an editor or an export saves it) after the
    /// ingest opened it and before the duplicate table fills: the thread that reads ahead opens the new
    /// file, sees it is not the one being ingested, and the ingest stops with `.changedWhileRead`
    /// (exit 75) instead of settling the old file's rows with the new file's numbers.
    @Test func aCSVReplacedWhileItIsReadStopsTheIngestInsteadOfMixingTwoFiles() throws {
        let dir = temporaryDirectory()
        let csv = dir + "/big.csv"
        var text = "phone,name\n"
        for i in 0..<3_000 { text += "+244923\(String(format: "%06d", i % 2_000)),N\(i)\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let message = "Hello {{name}}"
        let settings = JobSettings(csvPath: csv, sender: "s", message: message, country: "AO", phoneColumn: nil, chunkSize: 4)
        let store = try SQLiteStateStore(path: dir + "/s.sqlite")
        let job = try store.createJob(name: "j", settings: settings, inputFingerprint: "f")
        var ingestor = Ingestor()
        ingestor.batchSize = 50  // the reader is at most four batches (200 rows) ahead of the first stored one
        ingestor.duplicateTableSlots = 1_024  // full after ~768 numbers: well after the replacement
        ingestor.duplicateRunCapacity = 100
        let inode = { (try FileManager.default.attributesOfItem(atPath: csv)[.systemFileNumber] as? Int) ?? -1 }
        let before = try inode()
        var replaced = false
        #expect {
            _ = try ingestor.run(
                store: store, job: job,
                classifier: { try RecipientClassifier(header: $0, phoneColumn: nil, defaultRegion: "AO", message: message) },
                shouldStop: {
                    if !replaced {
                        replaced = true
                        try? text.replacingOccurrences(of: "+244923", with: "+244924").write(toFile: csv, atomically: true, encoding: .utf8)
                    }
                    return false
                })
        } throws: { error in
            guard case .changedWhileRead = (error as? CSVFileError)?.kind else { return false }
            return true
        }
        let after = try inode()
        #expect(replaced && after != before, "the file was replaced (the fault landed)")
        #expect(ExitStatus(for: CSVFileError(path: csv, kind: .changedWhileRead)) == .runAgainLater)
    }
}

