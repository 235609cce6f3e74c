public import Checkpoint
import Foundation
import ZiettAPI

/// Before a new job's first request: has the API seen this campaign lately, from another job?
///
/// A state file can be lost, deleted, or simply not found: another `HOME`, `sudo`, another `--job`
/// name, a restored backup. The new job then knows nothing of the first, and would send the whole campaign
/// again. The API still knows, though: every batch name carries the campaign's fingerprint
/// (`CampaignFingerprint`: CSV content, sender, message) and the job's UUID prefix. So before its first
/// request a job asks for
///
/// - batches whose name carries its fingerprint and not its own UUID prefix, created within the window, and
/// - single messages from its sender to its first few recipients with exactly their text, created within
///   the window (single messages carry no name; a personalised job is recognised by what it sends).
///
/// A match stops the run (exit 64) unless `--allow-resend`; the window (default 7 days) keeps a monthly
/// campaign with the same file and text from being blocked by last month's.
public struct ResendCheck {
    /// What the API showed.
    public enum Finding: Sendable, Equatable {
        /// Nothing of this campaign from another job within the window.
        case none
        /// Requests of this campaign by another job: a line for each (at most a few).
        case found([String])
        /// The look-up could not be completed; nothing is proven, nothing is sent.
        case unproven(ListReader.End)
    }

    /// How many recipients' single messages are looked for.
    public static let sampleSize = 3
    /// How many matches are named.
    static let namedAtMost = 5

    let reader: ListReader

    /// Creates a check that reads through `reader` (paced and retried like every look-up).
    public init(reader: ListReader) { self.reader = reader }

    /// Looks for `job`'s campaign created at or after `since` by another job; `samples` are the job's
    /// first recipients (number and rendered text).
    public func run(job: Job, samples: [ChunkMember], since: Double) async -> Finding {
        var found: [String] = []
        if let fingerprint = job.settings.campaignFingerprint {
            let own = ChunkRequest.ownMarker(job)
            // No `created_at__ge`: only the older docs list it for campaigns; the date is checked here.
            let query = CampaignListQuery(search: fingerprint)
            let end = await reader.read(query) { campaign in
                // Filtered here too: an API may match `q` loosely or ignore the date bound.
                if campaign.name.contains("-\(fingerprint)-"), !campaign.name.contains(own),
                   Self.createdAt(campaign.createdAt).map({ $0 >= since }) ?? true
                {
                    found.append("batch \"\(campaign.name)\" (id \(campaign.id), created \(campaign.createdAt ?? "at an unknown time"), \(campaign.status))")
                }
                return found.count < Self.namedAtMost
            }
            guard end == .finished else { return .unproven(end) }
        }
        for sample in samples where found.count < Self.namedAtMost {
            let digits = sample.e164
            let content = sample.content ?? job.settings.message
            let query = MessageListQuery(search: "+\(digits)", createdAtOrAfter: Date(timeIntervalSince1970: since), remitterID: job.settings.sender)
            let end = await reader.read(query) { message in
                if message.e164?.phoneDigits == digits, message.content == content,
                   Self.createdAt(message.createdAt).map({ $0 >= since }) ?? true
                {
                    found.append("message to +\(digits) (id \(message.id), created \(message.createdAt ?? "at an unknown time"))")
                    return false
                }
                return true
            }
            guard end == .finished else { return .unproven(end) }
        }
        return found.isEmpty ? .none : .found(found)
    }

    /// An ISO 8601 time, with or without fractional seconds, as seconds since 1970.
    static func createdAt(_ text: String?) -> Double? {
        text.flatMap { Date(iso8601: $0) }?.timeIntervalSince1970
    }
}
