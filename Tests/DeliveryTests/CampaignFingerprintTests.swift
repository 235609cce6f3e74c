import Checkpoint
@testable import Delivery
import Foundation
import Testing

@Suite("Campaign fingerprint")
struct CampaignFingerprintTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "zb-fingerprint-" + UUID().uuidString + ".csv"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func theSameCampaignGivesTheSameFingerprintAndAnyChangeAnother() throws {
        let a = try file("phone\n+244923000001\n")
        let copy = try file("phone\n+244923000001\n")
        let other = try file("phone\n+244923000002\n")
        defer { for path in [a, copy, other] { try? FileManager.default.removeItem(atPath: path) } }
        let sender = "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5e"
        let base = try #require(CampaignFingerprint.of(csvPath: a, sender: sender, message: "Hi"))
        #expect(base.count == 10 && base.allSatisfy(\.isHexDigit))
        #expect(CampaignFingerprint.of(csvPath: copy, sender: sender, message: "Hi") == base, "content, not the path")
        #expect(CampaignFingerprint.of(csvPath: other, sender: sender, message: "Hi") != base)
        #expect(CampaignFingerprint.of(csvPath: a, sender: "0190f0aa-8c5e-7b7d-9c4e-5f1a2b3c4d5f", message: "Hi") != base)
        #expect(CampaignFingerprint.of(csvPath: a, sender: sender, message: "Hi!") != base)
        #expect(CampaignFingerprint.of(csvPath: a + ".missing", sender: sender, message: "Hi") == nil)
    }

    @Test func batchNamesCarryTheFingerprintAndTheJobsOwnMarker() throws {
        var settings = JobSettings(csvPath: "x.csv", sender: "s", message: "m", country: "AO", phoneColumn: nil, chunkSize: 10)
        settings.campaignFingerprint = "1a2b3c4d5e"
        let job = Job(
            id: 1, name: "march promo", uuid: "7f3e2a1b-0000-4000-8000-000000000000", settings: settings, phase: .planned,
            inputFingerprint: "f", ingestOffset: 0, ingestLine: 0, ingestRows: 0, header: [], createdAt: 0)
        let name = ChunkRequest.name(job: job, seq: 12)
        #expect(name == "zb-march-promo-1a2b3c4d5e-7f3e2a1b-c000012")
        #expect(name.contains(ChunkRequest.ownMarker(job)))
        // A job from before fingerprints keeps its names (its in-flight chunks are looked up by them).
        var old = job
        old.settings.campaignFingerprint = nil
        #expect(ChunkRequest.name(job: old, seq: 12) == "zb-march-promo-7f3e2a1b-c000012")
    }
}
