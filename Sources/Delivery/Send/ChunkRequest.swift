public import Checkpoint
import Foundation
public import ZiettAPI

/// The exact request a chunk becomes: endpoint, name, body bytes, key.
///
/// Built once, at the first send, and stored; every later attempt reuses the stored bytes, so a resend
/// always carries the same body and the same Idempotency-Key.
public struct ChunkRequest: Sendable, Equatable {
    /// `POST /campaigns/batch` or `POST /messages`.
    public var endpoint: ZiettEndpoint
    /// The batch name (or a label for single messages).
    public var name: String
    /// The encoded JSON body.
    public var body: [UInt8]
    /// The derived Idempotency-Key.
    public var idempotencyKey: String

    /// The unique batch name of a chunk: job name (shortened), the campaign's fingerprint (jobs created
    /// since it exists), job UUID prefix, chunk number — `zb-march-1a2b3c4d5e-7f3e2a1b-c000012`.
    ///
    /// The fingerprint lets a later job find this campaign at the API (`ResendCheck`); the UUID prefix
    /// tells this job's batches from another job's of the same campaign.
    public static func name(job: Job, seq: Int) -> String {
        let safe = job.name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "-" }
        let prefix = String(String(safe).prefix(80))
        let number = String(seq)
        let campaign = job.settings.campaignFingerprint.map { "\($0)-" } ?? ""
        return "zb-\(prefix)-\(campaign)\(job.uuid.prefix(8))-c\(String(repeating: "0", count: max(0, 6 - number.count)))\(number)"
    }

    /// The part of every batch name of `job` that another job's names do not contain: `-<UUID prefix>-c`.
    public static func ownMarker(_ job: Job) -> String { "-\(job.uuid.prefix(8))-c" }

    /// Builds the request for `members` of chunk `seq`. A batch of one goes as a single message: the
    /// docs say batches take 2 to 1000 recipients.
    public static func build(job: Job, seq: Int, kind: ChunkKind, members: [ChunkMember]) throws -> ChunkRequest {
        let name = Self.name(job: job, seq: seq)
        let encoder = WireCoding.encoder()
        if endpoint(kind: kind, recipients: members.count) == .sendMessage, let member = members.first {
            let body = try encoder.encode(SendMessageRequest(
                remitterID: job.settings.sender, targetE164: member.e164String,
                content: member.content ?? job.settings.message))
            let bytes = Array(body)
            return ChunkRequest(
                endpoint: .sendMessage, name: name, body: bytes,
                idempotencyKey: IdempotencyKey.derive(jobUUID: job.uuid, endpoint: .sendMessage, name: name, body: bytes))
        }
        // A job that groups texts batches recipients whose rendered texts are the same; the batch carries
        // that text. Anything else would send someone another row's text: refused before it can leave.
        let content = members.first?.content ?? job.settings.message
        // Bytes, not String equality: "é" and "e\u{301}" are equal Strings but two different texts on a phone.
        if let different = members.first(where: { !($0.content ?? job.settings.message).utf8.elementsEqual(content.utf8) }) {
            throw ChunkRequestError.mixedTexts(seq: seq, row: different.row)
        }
        let body = try encoder.encode(BatchCampaignRequest(
            name: name, remitterID: job.settings.sender, content: content,
            recipients: members.map(\.e164String), countryAlpha2: job.settings.country))
        let bytes = Array(body)
        return ChunkRequest(
            endpoint: .sendBatch, name: name, body: bytes,
            idempotencyKey: IdempotencyKey.derive(jobUUID: job.uuid, endpoint: .sendBatch, name: name, body: bytes))
    }

    /// The endpoint a chunk of `kind` with `recipients` goes to: a batch of one goes as a single message,
    /// because the docs say batches take 2 to 1000 recipients.
    public static func endpoint(kind: ChunkKind, recipients: Int) -> ZiettEndpoint {
        kind == .single || recipients == 1 ? .sendMessage : .sendBatch
    }

    /// The endpoint a stored body was built for (the body's shape says which).
    public static func endpoint(of body: [UInt8]) -> ZiettEndpoint {
        (try? WireCoding.decoder().decode(SendMessageRequest.self, from: Data(body))) != nil ? .sendMessage : .sendBatch
    }
}

/// A chunk whose request would be wrong, caught before it is built.
public enum ChunkRequestError: Error, CustomStringConvertible {
    /// A batch's recipients do not share one text (the state was changed by hand, or a bug).
    case mixedTexts(seq: Int, row: Int)

    public var description: String {
        switch self {
        case .mixedTexts(let seq, let row):
            "internal error: chunk \(seq) mixes texts (row \(row) differs from the first); nothing was sent"
        }
    }
}
