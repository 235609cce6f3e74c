import Checkpoint
import PostgresCheckpoint
import Testing

extension TestServer {
    /// `count` `PostgresStateStore`s on `location` (holders "host-a", "host-b", …), sharing `clock`, all
    /// closed after `body` however it ends.
    static func withStateStores<T>(
        _ count: Int, _ location: PostgresLocation, clock: any WallClock, leaseSeconds: Double = 30,
        _ body: ([PostgresStateStore]) async throws -> T
    ) async throws -> T {
        var stores: [PostgresStateStore] = []
        defer { for store in stores { store.close() } }
        for index in 0..<count {
            let holder = "host-" + String(UnicodeScalar(UInt8(97 + index)))
            stores.append(try PostgresStateStore.open(location: location, holder: holder, leaseSeconds: leaseSeconds, clock: clock, logger: logger))
        }
        return try await body(stores)
    }
}

/// Jobs made and driven through `any StateStore` only (the protocol, whichever backend).
enum ProtocolJob {
    static func settings(chunkSize: Int) -> JobSettings {
        JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: chunkSize)
    }

    /// Row `n`: pending with a number unless `status` says otherwise; every third one with a text.
    static func row(_ n: Int, status: RecipientStatus = .pending) -> IngestRow {
        let valid = status != .invalid
        return IngestRow(
            row: n, line: n + 1, phone: "923 \(100_000 + n)", e164: valid ? 244_923_000_000 + UInt64(n) : nil, status: status,
            reason: status == .pending ? nil : "because \(status.rawValue)", content: n % 3 == 0 ? "hello \(n % 7)" : nil)
    }

    /// A batch job of `recipients` pending rows in chunks of `chunkSize`, ingested and cut; its id.
    static func make(_ store: any StateStore, recipients: Int, chunkSize: Int) throws -> Int64 {
        let job = try store.createJob(name: "spring", settings: settings(chunkSize: chunkSize), inputFingerprint: "fp")
        let sink = try store.ingestWriter(jobID: job.id, kind: .batch, chunkSize: chunkSize, groupsTexts: false)
        try sink.write((1...recipients).map { row($0) }, offset: 100, line: recipients + 1, rowCount: recipients)
        _ = try sink.complete(textGroups: nil)
        _ = try store.cutChunks(jobID: job.id, recipients: 10_000, grouped: false)
        return job.id
    }

    /// `markInFlight` with a fixed body and key.
    @discardableResult
    static func inFlight(_ store: any StateStore, job: Int64, seq: Int, at now: Double) throws -> Int64 {
        try store.markInFlight(
            jobID: job, seq: seq, name: "zb-\(seq)", body: Array("{\"seq\":\(seq)}".utf8), idempotencyKey: "key-\(seq)",
            endpoint: "/campaigns/batch", at: now)
    }

    /// The `StateStoreError` code `body` throws; nil when it throws nothing. Any other error is rethrown.
    static func refusal(_ body: () throws -> Void) throws -> StateStoreError.Code? {
        do {
            try body()
            return nil
        } catch {
            guard let refusal = error as? StateStoreError else { throw error }
            return refusal.code
        }
    }
}
