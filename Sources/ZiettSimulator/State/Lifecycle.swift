/// The pure functions from (record, timing, clock) to status: nothing in the simulator runs on a timer.
struct Lifecycle {
    var timing: LifecycleTiming
    var style: CampaignLifecycle

    /// A message's status and the time it last changed, at `t`.
    func status(of m: MessageRecord, at t: Double) -> (status: String, updatedAt: Double) {
        let sentAt = m.queuedAt + timing.sending
        let finalAt = sentAt + timing.delivery
        switch m.outcome {
        case .invalidNumber:
            return ("FAILED", m.createdAt)
        case .failed:
            return t < sentAt ? ("PENDING", m.createdAt) : ("FAILED", sentAt)
        case .delivered, .undelivered:
            if t < sentAt { return ("PENDING", m.createdAt) }
            if t < finalAt { return ("SENT", sentAt) }
            return (m.outcome == .delivered ? "DELIVERED" : "UNDELIVERED", finalAt)
        }
    }

    /// When a failed message's charge is given back, or nil if it is not refunded.
    func refundTime(of m: MessageRecord) -> Double? {
        switch m.outcome {
        case .invalidNumber: m.createdAt
        case .failed: m.queuedAt + timing.sending
        case .delivered, .undelivered: nil
        }
    }

    /// The error code visible at `t`.
    func errorCode(of m: MessageRecord, at t: Double) -> String? {
        let status = status(of: m, at: t).status
        return status == "FAILED" || status == "UNDELIVERED" ? m.errorCode : nil
    }

    /// When the campaign's background processing ends.
    func processedAt(_ c: CampaignRecord) -> Double { c.acceptedAt + timing.processing }

    /// When the campaign reaches its final state.
    func completedAt(_ c: CampaignRecord) -> Double {
        if c.failedForFunds { return processedAt(c) }
        return style == .pendingCompleted ? processedAt(c) : processedAt(c) + timing.sending
    }

    /// A campaign's status and the time it last changed, at `t`.
    func status(of c: CampaignRecord, at t: Double) -> (status: String, updatedAt: Double) {
        let processed = processedAt(c)
        if t < processed { return (style == .pendingCompleted ? "PENDING" : "PROCESSING", c.acceptedAt) }
        if c.failedForFunds { return ("FAILED", processed) }
        let completed = completedAt(c)
        if t < completed { return ("SENDING", processed) }
        return ("COMPLETED", completed)
    }
}
