/// A batch that passed validation, with each recipient's normalised number (nil: unparseable).
struct AcceptedBatch: Sendable {
    var name: String
    var remitterID: String
    var content: String
    var recipients: [String]
    var normalised: [String?]
    var countryAlpha2: String?
}

extension SimulatorState {
    /// Stores a campaign and its messages; `funded` false makes it end FAILED without messages.
    func createCampaign(_ batch: AcceptedBatch, idempotencyKey: String?, funded: Bool) -> CampaignRecord {
        let t = now
        let timing = configuration.lifecycle
        let processedAt = t + timing.processing
        var campaign = CampaignRecord(
            id: UUIDv7.make(at: t, random: &rng), sequence: campaigns.count, name: batch.name, remitterID: batch.remitterID,
            content: batch.content, recipients: batch.recipients, countryAlpha2: batch.countryAlpha2,
            idempotencyKey: idempotencyKey, acceptedAt: t, failedForFunds: !funded, messageCount: 0)
        if funded {
            let createdAt = configuration.fidelity.messagesAppearAfterProcessing ? processedAt : t
            for (raw, e164) in zip(batch.recipients, batch.normalised) {
                addMessage(campaignID: campaign.id, remitterID: batch.remitterID, raw: raw, e164: e164, content: batch.content,
                           createdAt: createdAt, queuedAt: processedAt)
                campaign.messageCount += 1
            }
        }
        campaignIndex[campaign.id] = campaigns.count
        campaigns.append(campaign)
        store?.insert(ledgerCampaign(campaign, at: t))
        if let store {
            for m in messages.suffix(campaign.messageCount) { store.insert(ledgerMessage(m, at: t)) }
        }
        return campaign
    }

    /// Stores a single message.
    func createMessage(remitterID: String, e164: String, content: String) -> MessageRecord {
        let t = now
        let stored = content + (configuration.fidelity.messageFooter ?? "")
        let message = addMessage(campaignID: nil, remitterID: remitterID, raw: e164, e164: e164, content: stored, createdAt: t, queuedAt: t)
        store?.insert(ledgerMessage(message, at: t))
        return message
    }

    @discardableResult
    private func addMessage(
        campaignID: String?, remitterID: String, raw: String, e164: String?, content: String, createdAt: Double, queuedAt: Double
    ) -> MessageRecord {
        let outcomes = configuration.outcomes
        let outcome: MessageOutcome
        if let e164 {
            if let fixed = outcomes.byNumber[e164] {
                outcome = fixed
            } else {
                let u = rng.nextUnit()
                outcome = u < outcomes.failedRate ? .failed : u < outcomes.failedRate + outcomes.undeliveredRate ? .undelivered : .delivered
            }
        } else {
            outcome = .invalidNumber
        }
        let code: String? = switch outcome {
        case .delivered: nil
        case .failed: outcomes.failedCode
        case .undelivered: outcomes.undeliveredCode
        case .invalidNumber: "INVALID_PHONE_NUMBER"
        }
        let message = MessageRecord(
            id: UUIDv7.make(at: createdAt, random: &rng), sequence: messages.count, campaignID: campaignID, remitterID: remitterID,
            raw: raw, e164: e164, content: content, createdAt: createdAt, queuedAt: queuedAt, outcome: outcome, errorCode: code,
            cost: configuration.pricePerMessage)
        messageIndex[message.id] = messages.count
        if outcome == .failed || outcome == .invalidNumber { pendingRefunds.append(messages.count) }
        messages.append(message)
        return message
    }
}
