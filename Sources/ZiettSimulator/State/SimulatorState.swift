import Crypto
import Foundation
import ZiettAPI

/// The simulator's memory: campaigns, messages, idempotency records, rate-limit windows, balance.
///
/// An actor: requests arrive concurrently, and the idempotency and rate-limit rules are only right if
/// each check-and-record is atomic.
actor SimulatorState {
    var configuration: SimulatorConfiguration
    private(set) var campaigns: [LedgerCampaign] = []
    private(set) var messages: [LedgerMessage] = []
    private(set) var responses: [String: Int] = [:]
    private var idempotency: [String: IdempotencyRecord] = [:]
    private var windows: [String: [Double]] = [:]
    private var rng: SimulatorRandom

    struct IdempotencyRecord {
        var fingerprint: [UInt8]
        var createdAt: Double
        var response: StoredResponse?
    }

    struct StoredResponse: Sendable {
        var status: Int
        var body: [UInt8]
    }

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        rng = SimulatorRandom(seed: configuration.seed)
    }

    var now: Double { Date().timeIntervalSince1970 + configuration.clockOffset }

    func update(_ change: @Sendable (inout SimulatorConfiguration) -> Void) {
        change(&configuration)
    }

    func snapshot() -> LedgerSnapshot {
        LedgerSnapshot(campaigns: campaigns, messages: messages, responses: responses)
    }

    func count(_ label: String) { responses[label, default: 0] += 1 }

    func random() -> Double { rng.nextUnit() }

    // MARK: Rate limits

    /// Records a request against the key's window; returns the 429 to answer, or the headers to add.
    func admit(key: String, endpoint: String, limit: SimulatedRateLimit?) -> (rejected: Bool, retryAfter: Int, limit: Int, remaining: Int, reset: Int)? {
        guard let limit else { return nil }
        let id = key + " " + endpoint
        let t = now
        var times = windows[id, default: []].filter { $0 > t - limit.window }
        defer { windows[id] = times }
        if times.count >= limit.count {
            let oldest = times[times.count - limit.count]
            let wait = max(1, Int((oldest + limit.window - t).rounded(.up)))
            return (true, wait, limit.count, 0, Int(oldest + limit.window))
        }
        times.append(t)
        let reset = Int((times.first ?? t) + limit.window)
        return (false, 0, limit.count, max(0, limit.count - times.count), reset)
    }

    // MARK: Idempotency

    enum IdempotencyDecision {
        case proceed
        case replay(StoredResponse)
        case conflictInFlight
        case mismatch
    }

    func beginIdempotent(apiKey: String, key: String?, method: String, path: String, body: [UInt8]) -> IdempotencyDecision {
        guard let key, !configuration.ignoreIdempotencyKeys else { return .proceed }
        let id = apiKey + " " + key
        var hasher = SHA256()
        hasher.update(data: Array((method + " " + path).utf8))
        hasher.update(data: body)
        let fingerprint = Array(hasher.finalize())
        if let record = idempotency[id], record.createdAt > now - configuration.idempotencyWindow {
            guard record.fingerprint == fingerprint else { return .mismatch }
            guard let response = record.response else { return .conflictInFlight }
            return .replay(response)
        }
        idempotency[id] = IdempotencyRecord(fingerprint: fingerprint, createdAt: now, response: nil)
        return .proceed
    }

    func finishIdempotent(apiKey: String, key: String?, response: StoredResponse?) {
        guard let key, !configuration.ignoreIdempotencyKeys else { return }
        let id = apiKey + " " + key
        if let response {
            idempotency[id]?.response = response
        } else {
            idempotency[id] = nil
        }
    }

    // MARK: Work

    /// Charges `count` recipients; false when the balance is short.
    func charge(_ count: Int) -> Bool {
        guard let balance = configuration.balance else { return true }
        guard balance >= count else { return false }
        configuration.balance = balance - count
        return true
    }

    var balance: Int? { configuration.balance }

    func createCampaign(name: String, content: String, recipients: [String], normalised: [String?], key: String?) -> LedgerCampaign {
        let t = now
        let campaign = LedgerCampaign(
            id: UUIDv7.make(at: t, random: &rng), name: name, content: content, recipients: recipients,
            idempotencyKey: key, status: "PROCESSING", createdAt: t)
        campaigns.append(campaign)
        for number in normalised {
            messages.append(LedgerMessage(
                id: UUIDv7.make(at: t, random: &rng), campaignID: campaign.id, e164: number ?? "",
                content: content, status: number == nil ? "FAILED" : "PENDING",
                errorCode: number == nil ? "INVALID_PHONE_NUMBER" : nil, createdAt: t))
        }
        return campaign
    }

    func createMessage(e164: String, content: String) -> LedgerMessage {
        let t = now
        let message = LedgerMessage(
            id: UUIDv7.make(at: t, random: &rng), campaignID: nil, e164: e164, content: content, status: "PENDING",
            errorCode: nil, createdAt: t)
        messages.append(message)
        return message
    }

    func findCampaigns(q: String?) -> [LedgerCampaign] {
        guard let q, !q.isEmpty else { return campaigns }
        return campaigns.filter { $0.name.localizedCaseInsensitiveContains(q) }
    }

    func findMessages(q: String?, campaignID: String?, createdAtGE: Double?, createdAtLE: Double?) -> [LedgerMessage] {
        messages.filter { m in
            if let q, !q.isEmpty, !(m.e164.contains(q) || m.id == q) { return false }
            if let campaignID, m.campaignID != campaignID { return false }
            if let createdAtGE, m.createdAt < createdAtGE { return false }
            if let createdAtLE, m.createdAt > createdAtLE { return false }
            return true
        }
    }
}

/// SplitMix64, seeded, for faults and ids.
struct SimulatorRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// UUID version 7 (time-ordered), as the new docs say Ziett ids are.
enum UUIDv7 {
    static func make(at time: Double, random: inout SimulatorRandom) -> String {
        let ms = UInt64(max(0, time) * 1000)
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8((ms >> (8 * (5 - UInt64(i)))) & 0xFF) }
        let r1 = random.next()
        let r2 = random.next()
        for i in 6..<16 { bytes[i] = UInt8(((i < 11 ? r1 : r2) >> (8 * UInt64(i % 8))) & 0xFF) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}
