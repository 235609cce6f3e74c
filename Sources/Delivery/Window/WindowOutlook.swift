public import Checkpoint

/// What a job's send window means for its pending rows now: how many may go, how many wait, and when
/// the next window opens. For `status`, the plan and the ETA.
public struct WindowOutlook: Sendable, Equatable, Codable {
    /// The schedule, as the operator wrote it (`09:00-20:00 mon,…`, `not before …`, `not after …`).
    public var schedule: String
    /// Pending rows whose window is open now.
    public var openNow: Int
    /// Pending rows waiting for their window (or for the campaign's start).
    public var waiting: Int
    /// Pending rows whose zones' windows never overlap (or not before the campaign's end).
    public var neverOpening: Int
    /// When the earliest waiting row's window opens (Unix seconds).
    public var nextOpening: Double?
    /// True once the campaign's end has passed: the rows left expire on the next run.
    public var ended: Bool

    /// The outlook of `job` at `now`; nil when the job has no send window, start or end.
    public static func make(store: any StateStore, job: Job, now: Double) throws -> WindowOutlook? {
        let schedule = try job.settings.sendSchedule()
        guard !schedule.isUnrestricted else { return nil }
        var outlook = WindowOutlook(
            schedule: describe(schedule), openNow: 0, waiting: 0, neverOpening: 0, nextOpening: nil, ended: false)
        for group in try store.pendingWindowGroups(jobID: job.id) {
            switch schedule.verdict(group: group.group, at: now) {
            case .open: outlook.openNow += group.rows
            case .opensAt(let time):
                outlook.waiting += group.rows
                outlook.nextOpening = min(outlook.nextOpening ?? time, time)
            case .neverOpens: outlook.neverOpening += group.rows
            case .ended: outlook.ended = true
            }
        }
        return outlook
    }

    /// `09:00-20:00 mon,tue,wed,thu,fri local time, not before 2026-12-01T09:00:00Z, not after …`.
    public static func describe(_ schedule: SendSchedule) -> String {
        var parts: [String] = []
        if let window = schedule.window { parts.append("\(window) local time") }
        if let start = schedule.notBefore { parts.append("not before \(SendSchedule.format(start))") }
        if let end = schedule.notAfter { parts.append("not after \(SendSchedule.format(end))") }
        return parts.joined(separator: ", ")
    }

    /// One line for the operator: `send window 09:00-20:00 local time: 40 recipient(s) open now, 12 wait (next opening …)`.
    public var text: String {
        var line = "\(schedule): "
        if ended { return line + "the campaign has ended; the rows left expire on the next run" }
        line += "\(openNow) recipient(s) in an open window now, \(waiting) waiting"
        if let nextOpening { line += " (next opening \(SendSchedule.format(nextOpening)))" }
        if neverOpening > 0 {
            line += ", \(neverOpening) whose time zones' windows never overlap within \(SendSchedule.horizonDays) days or before the end"
        }
        return line
    }
}
