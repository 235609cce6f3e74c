import Foundation
import Hummingbird
import ZiettAPI

extension SimulatorRoutes {
    /// `POST /messages`: validate, charge one message, store it, 202 `{message_id}`.
    func sendMessage(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.sendMessage, request, context) { admission in
            let body = try await collect(request)
            return try await idempotent(request, endpoint: .sendMessage, admission: admission, body: body) { _ in
                let config = await state.configuration
                let message = try RequestValidation.message(body, options: config)
                guard await state.charge(1) else {
                    throw SimulatorError(402, ZiettErrorCode.insufficientFunds, "The balance is below the cost of this message.", service: "billing")
                }
                let stored = await state.createMessage(remitterID: message.remitterID, e164: message.targetE164, content: message.content)
                return (202, Array(try WireCoding.encoder().encode(SendMessageAccepted(messageID: stored.id))), stored.id)
            }
        }
    }

    /// `GET /messages`: the filtered, paged list.
    func listMessages(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.listMessages, request, context) { _ in
            try await messagePage(request, campaignID: nil)
        }
    }

    /// `GET /messages/{id}`: one message, 404 when unknown.
    func getMessage(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.getMessage, request, context) { _ in
            let id = try await pathID(context, field: "message_id")
            let config = await state.configuration
            guard let view = await state.message(id: id) else {
                throw SimulatorError.notFound("Message \(id)", code: config.fidelity.notFoundCode)
            }
            return try json(200, encoding: MessageResource(view: view, full: true, style: config.fidelity.timestampStyle))
        }
    }

    /// `GET /campaigns/{id}/messages`: one campaign's messages, 404 when the campaign is unknown.
    func listCampaignMessages(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.listCampaignMessages, request, context) { _ in
            let id = try await pathID(context, field: "campaign_id")
            guard await state.campaign(id: id) != nil else {
                throw SimulatorError.notFound("Campaign \(id)", code: await state.configuration.fidelity.notFoundCode)
            }
            return try await messagePage(request, campaignID: id)
        }
    }

    /// The shared list logic of the two message lists.
    func messagePage(_ request: Request, campaignID: String?) async throws -> Response {
        let config = await state.configuration
        var query = Query(request.uri.query)
        let (page, size) = query.paging()
        let order = query.order()
        var filter = query.messageFilter(caseInsensitiveStatus: config.fidelity.caseInsensitiveStatusFilter)
        try query.check()
        if let campaignID {
            // A campaign_id filter naming another campaign matches nothing (no message has a contact).
            if !filter.campaignIDs.isEmpty && !filter.campaignIDs.contains(campaignID) { filter.contactIDs = ["none"] }
            filter.campaignIDs = [campaignID]
        }
        let found = await state.findMessages(filter, order: order)
        let full = config.fidelity.listEntriesAreFullMessages || campaignID != nil
        let style = config.fidelity.timestampStyle
        return try json(200, encoding: PageBody.make(found, page: page, size: size) { MessageResource(view: $0, full: full, style: style) })
    }
}
