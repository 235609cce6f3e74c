import Checkpoint
import Foundation
import Delivery
import Testing
import ZiettAPI
import ZiettClient

/// The safety table: what each answer means for a chunk.
@Suite("Send outcome classification")
struct SendOutcomeTests {
    func response(_ status: Int, code: String = "X", fields: [String: String]? = nil, retryAfter: Double? = nil) -> Result<ZiettHTTPResponse, ZiettTransportError> {
        let body = ZiettErrorBody(code: code, message: "m", status: status, traceID: "t-1", fields: fields)
        return .success(ZiettHTTPResponse(status: status, retryAfter: retryAfter, body: Array(try! WireCoding.encoder().encode(body))))
    }

    @Test func acceptedBatchCarriesItsCampaignID() throws {
        let body = Array(try WireCoding.encoder().encode(BatchCampaignAccepted(campaignID: "c-1", message: "ok")))
        #expect(SendOutcome.classify(.success(ZiettHTTPResponse(status: 202, body: body))) == .accepted(campaignID: "c-1", messageID: nil))
    }

    @Test func acceptedWithNullBodyIsStillAccepted() {
        #expect(SendOutcome.classify(.success(ZiettHTTPResponse(status: 202, body: Array("null".utf8)))) == .accepted(campaignID: nil, messageID: nil))
    }

    @Test(arguments: [401, 403]) func authenticationStopsTheRun(status: Int) {
        guard case .authentication(let error) = SendOutcome.classify(response(status)) else { Issue.record("not auth"); return }
        #expect(error.traceID == "t-1")
    }

    @Test func insufficientFundsStopsTheRun() {
        guard case .insufficientFunds = SendOutcome.classify(response(402, code: ZiettErrorCode.insufficientFunds)) else { Issue.record("not 402"); return }
    }

    @Test(arguments: [429, 425]) func rateLimitsAreNotProcessed(status: Int) {
        guard case .notProcessed(_, let retryAfter) = SendOutcome.classify(response(status, retryAfter: 7)) else { Issue.record("wrong"); return }
        #expect(retryAfter == 7)
    }

    @Test(arguments: [408, 409, 500, 502, 503, 504]) func ambiguousAnswersAreInDoubt(status: Int) {
        guard case .inDoubt = SendOutcome.classify(response(status)) else { Issue.record("\(status) not in doubt"); return }
    }

    @Test func timeoutsAndLostConnectionsAreInDoubtButRefusedConnectionsAreNot() {
        guard case .inDoubt = SendOutcome.classify(.failure(ZiettTransportError(kind: .timeout, message: "t"))) else { Issue.record("timeout"); return }
        guard case .inDoubt = SendOutcome.classify(.failure(ZiettTransportError(kind: .connectionLost, message: "l"))) else { Issue.record("lost"); return }
        guard case .notProcessed = SendOutcome.classify(.failure(ZiettTransportError(kind: .connect, message: "c"))) else { Issue.record("connect"); return }
    }

    @Test func validationNamingRecipientsCanBeSplit() {
        guard case .rejected(let error, let recipients) = SendOutcome.classify(response(422, code: "VALIDATION_ERROR", fields: ["recipients[3]": "bad", "recipients.7": "worse"])) else {
            Issue.record("not rejected"); return
        }
        #expect(recipients == [3: "bad", 7: "worse"])
        #expect(error.fields?.contains("recipients[3]") == true)
    }

    @Test func validationOfOtherFieldsRejectsTheWholeChunk() {
        guard case .rejected(_, let recipients) = SendOutcome.classify(response(422, fields: ["recipients[1]": "bad", "content": "too long"])) else {
            Issue.record("not rejected"); return
        }
        #expect(recipients.isEmpty)
    }

    @Test func aProxyErrorPageWithoutTheErrorObjectIsStillClassified() {
        let result: Result<ZiettHTTPResponse, ZiettTransportError> = .success(ZiettHTTPResponse(status: 502, body: Array("<html>Bad gateway</html>".utf8)))
        guard case .inDoubt(let error, _) = SendOutcome.classify(result) else { Issue.record("wrong"); return }
        #expect(error.code == "HTTP_502")
    }
}
