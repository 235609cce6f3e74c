import Foundation
import Hummingbird
import ZiettAPI

extension SimulatorRoutes {
    /// `POST /campaigns/batch`: validate, check funds, store the campaign, 202.
    func sendBatch(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.sendBatch, request, context) { admission in
            let body = try await collect(request)
            return try await idempotent(request, endpoint: .sendBatch, admission: admission, body: body) { key in
                let config = await state.configuration
                let batch = try RequestValidation.batch(body, options: config, now: await state.now)
                let funded = await state.charge(batch.recipients.count)
                if !funded && config.fidelity.batchFundsCheck == .synchronous {
                    throw SimulatorError(402, ZiettErrorCode.insufficientFunds, "The balance is below the cost of this batch.", service: "billing")
                }
                let campaign = await state.createCampaign(batch, idempotencyKey: key, funded: funded)
                let bytes: [UInt8]
                if config.batchAcceptedBodyIsNull {
                    bytes = Array("null".utf8)
                } else {
                    let accepted = BatchCampaignAccepted(
                        campaignID: campaign.id,
                        message: "Campaign validation successful. Processing \(batch.recipients.count) messages in the background.")
                    bytes = Array(try WireCoding.encoder().encode(accepted))
                }
                return (202, bytes, campaign.id)
            }
        }
    }

    /// `GET /campaigns`: the filtered, paged list.
    func listCampaigns(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.listCampaigns, request, context) { _ in
            let config = await state.configuration
            var query = Query(request.uri.query)
            let (page, size) = query.paging()
            let order = query.order()
            let filter = query.campaignFilter(caseInsensitiveStatus: config.fidelity.caseInsensitiveStatusFilter)
            try query.check()
            let found = await state.findCampaigns(filter, order: order)
            let style = config.fidelity.timestampStyle
            return try json(200, encoding: PageBody.make(found, page: page, size: size) { CampaignResource(view: $0, style: style) })
        }
    }

    /// `GET /campaigns/{id}`: one campaign, 404 when unknown.
    func getCampaign(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        try await handle(.getCampaign, request, context) { _ in
            let id = try await pathID(context, field: "campaign_id")
            let config = await state.configuration
            guard let view = await state.campaign(id: id) else {
                throw SimulatorError.notFound("Campaign \(id)", code: config.fidelity.notFoundCode)
            }
            return try json(200, encoding: CampaignResource(view: view, style: config.fidelity.timestampStyle))
        }
    }
}
