import Foundation

/// The simulator's memory: campaigns, messages, idempotency records, rate-limit windows, balance.
///
/// An actor: requests arrive concurrently, and the idempotency, rate-limit and balance rules are only
/// right if each check-and-record is atomic.
actor SimulatorState {
    var configuration: SimulatorConfiguration
    var campaigns: [CampaignRecord] = []
    var campaignIndex: [String: Int] = [:]
    var messages: [MessageRecord] = []
    var messageIndex: [String: Int] = [:]
    var requests: [LedgerRequest] = []
    var responses: [String: Int] = [:]
    var idempotency: [String: IdempotencyRecord] = [:]
    var slidingWindows: [String: [Double]] = [:]
    var fixedWindows: [String: (start: Double, count: Int)] = [:]
    var bursts: [String: Int] = [:]
    /// Indices of failed messages whose refund is not yet given back.
    var pendingRefunds: [Int] = []
    var rng: SimulatorRandom
    let store: SQLiteLedger?
    /// POST work running apart from its request (see `SimulatorState+PendingWork`), by number.
    var pendingWork: [Int: PendingWork] = [:]
    var nextWorkNumber = 0
    /// Set by `stop()`: delays are skipped from now on, so the server can drain.
    var stopping = false

    init(configuration: SimulatorConfiguration) throws {
        self.configuration = configuration
        rng = SimulatorRandom(seed: configuration.seed)
        store = try configuration.ledgerPath.map { try SQLiteLedger(path: $0) }
    }

    var now: Double { (configuration.frozenClock ?? Date().timeIntervalSince1970) + configuration.clockOffset }

    var lifecycle: Lifecycle {
        Lifecycle(timing: configuration.lifecycle, style: configuration.fidelity.campaignLifecycle)
    }

    func update(_ change: @Sendable (inout SimulatorConfiguration) -> Void) {
        change(&configuration)
    }

    func count(_ label: String) { responses[label, default: 0] += 1 }

    func random() -> Double { rng.nextUnit() }

    func record(_ request: LedgerRequest) {
        requests.append(request)
        store?.insert(request)
    }

    // MARK: Balance

    /// Gives back the charges of messages that have failed by now.
    func settleRefunds() {
        guard !pendingRefunds.isEmpty else { return }
        let t = now
        let life = lifecycle
        pendingRefunds.removeAll { index in
            guard let due = life.refundTime(of: messages[index]), due <= t else { return false }
            messages[index].refunded = true
            if configuration.balance != nil { configuration.balance! += 1 }
            if configuration.moneyBalance != nil { configuration.moneyBalance! += messages[index].cost }
            return true
        }
    }

    /// Charges `count` recipients if the balance allows; false when it is short.
    func charge(_ count: Int) -> Bool {
        settleRefunds()
        let money = Double(count) * configuration.pricePerMessage
        if let balance = configuration.balance, balance < count { return false }
        if let funds = configuration.moneyBalance, funds + 1e-9 < money { return false }
        if configuration.balance != nil { configuration.balance! -= count }
        if configuration.moneyBalance != nil { configuration.moneyBalance! -= money }
        return true
    }

    /// Remaining balance in recipients, when limited.
    var balance: Int? {
        settleRefunds()
        return configuration.balance
    }

    /// Remaining balance in money, when limited.
    var moneyBalance: Double? {
        settleRefunds()
        return configuration.moneyBalance
    }

    // MARK: Ledger

    func ledgerCampaign(_ c: CampaignRecord, at t: Double) -> LedgerCampaign {
        let status = lifecycle.status(of: c, at: t).status
        return LedgerCampaign(
            id: c.id, name: c.name, content: c.content, recipients: c.recipients, idempotencyKey: c.idempotencyKey,
            status: status, createdAt: c.acceptedAt, remitterID: c.remitterID, countryAlpha2: c.countryAlpha2,
            errorCode: status == "FAILED" ? "BILLING_INSUFFICIENT_FUNDS" : nil, messageCount: c.messageCount)
    }

    func ledgerMessage(_ m: MessageRecord, at t: Double) -> LedgerMessage {
        let life = lifecycle
        let (status, updated) = life.status(of: m, at: t)
        return LedgerMessage(
            id: m.id, campaignID: m.campaignID, e164: m.e164 ?? m.raw, content: m.content, status: status,
            errorCode: life.errorCode(of: m, at: t), createdAt: m.createdAt, raw: m.raw, remitterID: m.remitterID,
            cost: m.cost, isRefunded: life.refundTime(of: m).map { $0 <= t } ?? false, updatedAt: updated)
    }

    func snapshot() -> LedgerSnapshot {
        settleRefunds()
        let t = now
        let snapshot = LedgerSnapshot(
            campaigns: campaigns.map { ledgerCampaign($0, at: t) }, messages: messages.map { ledgerMessage($0, at: t) },
            responses: responses, requests: requests)
        return snapshot
    }

    /// Writes current statuses to the SQLite ledger, if there is one.
    func syncStore() {
        guard let store else { return }
        store.sync(snapshot())
    }
}
