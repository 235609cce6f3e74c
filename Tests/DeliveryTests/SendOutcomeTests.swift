import Checkpoint
import Foundation
import Delivery
import Testing
import ZiettAPI
import ZiettClient

/// The safety table: what each answer means for a chunk.
@Suite("Send outcome classification")
struct SendOutcomeTests {
    /// Classifies an answer to a batch request.
    func classify(_ result: Result<ZiettHTTPResponse, ZiettTransportError>) -> SendOutcome {
        SendOutcome.classify(result, for: .sendBatch)
    }

    func response(_ status: Int, code: String = "X", fields: [String: String]? = nil, retryAfter: Double? = nil) -> Result<ZiettHTTPResponse, ZiettTransportError> {
        let body = ZiettErrorBody(code: code, message: "m", status: status, traceID: "t-1", fields: fields)
        return .success(ZiettHTTPResponse(status: status, retryAfter: retryAfter, body: Array(try! WireCoding.encoder().encode(body))))
    }

    @Test func acceptedBatchCarriesItsCampaignID() throws {
        let body = Array(try WireCoding.encoder().encode(BatchCampaignAccepted(campaignID: "c-1", message: "ok")))
        #expect(classify(.success(ZiettHTTPResponse(status: 202, body: body))) == .accepted(campaignID: "c-1", messageID: nil))
    }

    @Test(arguments: ["null", "", "{}", "<html>Welcome to nginx</html>", #"{"campaign_id":""}"#, #"{"message_id":"m-1"}"#])
    func aTwoHundredWithoutTheDocumentedIdIsInDoubtNotAccepted(body: String) {
        guard case .inDoubt(let error, _) = classify(.success(ZiettHTTPResponse(status: 202, body: Array(body.utf8)))) else {
            Issue.record("a 202 without a campaign id must not count as sent")
            return
        }
        #expect(error.code == "UNPROVEN_ACCEPTANCE")
        #expect(error.httpStatus == 202)
    }

    @Test func aSingleMessageIsAcceptedOnlyWithItsMessageId() {
        let proven = SendOutcome.classify(.success(ZiettHTTPResponse(status: 202, body: Array(#"{"message_id":"m-1"}"#.utf8))), for: .sendMessage)
        #expect(proven == .accepted(campaignID: nil, messageID: "m-1"))
        let unproven = SendOutcome.classify(.success(ZiettHTTPResponse(status: 200, body: Array(#"{"campaign_id":"c"}"#.utf8))), for: .sendMessage)
        guard case .inDoubt = unproven else {
            Issue.record("a single message without its message id must not count as sent")
            return
        }
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsAConfigurationErrorNotAnAnswer(status: Int) {
        guard case .redirected(let error) = classify(response(status)) else {
            Issue.record("\(status) must stop the run as a configuration error")
            return
        }
        #expect(error.httpStatus == status)
    }

    @Test func fieldNamesAreParsedExactly() {
        #expect(SendOutcome.recipientIndex("recipients[12]") == 12)
        #expect(SendOutcome.recipientIndex("recipients.7") == 7)
        #expect(SendOutcome.recipientIndex("recipients/0") == 0)
        for key in ["recipients[1][2]", "recipients.3.e164", "recipients[1", "recipients", "recipients[]", "recipients[-1]", "recipients[1a]", "recipientsX1"] {
            #expect(SendOutcome.recipientIndex(key) == nil, "\(key)")
        }
        // One field this parser does not understand rejects the whole chunk rather than a guessed recipient.
        #expect(SendOutcome.recipientFields(["recipients[1]": "bad", "recipients[1][2]": "odd"]).isEmpty)
    }

    @Test(arguments: [401, 403]) func authenticationStopsTheRun(status: Int) {
        guard case .authentication(let error) = classify(response(status)) else { Issue.record("not auth"); return }
        #expect(error.traceID == "t-1")
    }

    @Test func insufficientFundsStopsTheRun() {
        guard case .insufficientFunds = classify(response(402, code: ZiettErrorCode.insufficientFunds)) else { Issue.record("not 402"); return }
    }

    @Test(arguments: [429, 425]) func rateLimitsAreNotProcessed(status: Int) {
        guard case .notProcessed(_, let retryAfter) = classify(response(status, retryAfter: 7)) else { Issue.record("wrong"); return }
        #expect(retryAfter == 7)
    }

    @Test(arguments: [408, 409, 500, 502, 503, 504]) func ambiguousAnswersAreInDoubt(status: Int) {
        guard case .inDoubt = classify(response(status)) else { Issue.record("\(status) not in doubt"); return }
    }

    @Test func timeoutsAndLostConnectionsAreInDoubtButRefusedConnectionsAreNot() {
        guard case .inDoubt = classify(.failure(ZiettTransportError(kind: .timeout, message: "t"))) else { Issue.record("timeout"); return }
        guard case .inDoubt = classify(.failure(ZiettTransportError(kind: .connectionLost, message: "l"))) else { Issue.record("lost"); return }
        guard case .notProcessed = classify(.failure(ZiettTransportError(kind: .connect, message: "c"))) else { Issue.record("connect"); return }
    }

    @Test func validationNamingRecipientsCanBeSplit() {
        guard case .rejected(let error, let recipients) = classify(response(422, code: "VALIDATION_ERROR", fields: ["recipients[3]": "bad", "recipients.7": "worse"])) else {
            Issue.record("not rejected"); return
        }
        #expect(recipients == [3: "bad", 7: "worse"])
        #expect(error.fields?.contains("recipients[3]") == true)
    }

    @Test func validationOfOtherFieldsRejectsTheWholeChunk() {
        guard case .rejected(_, let recipients) = classify(response(422, fields: ["recipients[1]": "bad", "content": "too long"])) else {
            Issue.record("not rejected"); return
        }
        #expect(recipients.isEmpty)
    }

    @Test func aProxyErrorPageWithoutTheErrorObjectIsStillClassified() {
        let result: Result<ZiettHTTPResponse, ZiettTransportError> = .success(ZiettHTTPResponse(status: 502, body: Array("<html>Bad gateway</html>".utf8)))
        guard case .inDoubt(let error, _) = classify(result) else { Issue.record("wrong"); return }
        #expect(error.code == "HTTP_502")
    }
}
