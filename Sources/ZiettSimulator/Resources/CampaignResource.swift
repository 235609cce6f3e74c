/// A campaign on the wire, as `GET /campaigns` and `GET /campaigns/{id}` return it.
struct CampaignResource: Encodable, Sendable {
    var view: CampaignView
    var style: TimestampStyle

    enum Key: String, CodingKey {
        case id, name, status, organization_id, billing_account_id, trigger_source, file_metadata_id, channel_type
        case sms_remitter_id, sms_remitter, content, total_estimated_recipients, scheduled_at, processed_at, completed_at
        case error_code, status_note, data, created_at, updated_at
    }

    enum RemitterKey: String, CodingKey { case id, name }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        let r = view.record
        let failed = view.status == "FAILED"
        try c.encode(r.id, forKey: .id)
        try c.encode(r.name, forKey: .name)
        try c.encode(view.status, forKey: .status)
        try c.encode(Organisation.id, forKey: .organization_id)
        try c.encode(Organisation.billingAccountID, forKey: .billing_account_id)
        try c.encode("API", forKey: .trigger_source)
        try c.encodeNil(forKey: .file_metadata_id)
        try c.encode("SMS", forKey: .channel_type)
        try c.encode(r.remitterID, forKey: .sms_remitter_id)
        var remitter = c.nestedContainer(keyedBy: RemitterKey.self, forKey: .sms_remitter)
        try remitter.encode(r.remitterID, forKey: .id)
        try remitter.encode(Organisation.remitterName, forKey: .name)
        try c.encode(r.content, forKey: .content)
        try c.encode(r.recipients.count, forKey: .total_estimated_recipients)
        try c.encodeNil(forKey: .scheduled_at)
        try c.encode(view.processedAt.map { Timestamp.format($0, style: style) }, forKey: .processed_at)
        try c.encode(view.completedAt.map { Timestamp.format($0, style: style) }, forKey: .completed_at)
        try c.encode(failed ? "BILLING_INSUFFICIENT_FUNDS" : nil, forKey: .error_code)
        try c.encode(failed ? "The balance did not cover the campaign." : nil, forKey: .status_note)
        _ = c.nestedContainer(keyedBy: RemitterKey.self, forKey: .data)
        try c.encode(Timestamp.format(r.acceptedAt, style: style), forKey: .created_at)
        try c.encode(Timestamp.format(view.updatedAt, style: style), forKey: .updated_at)
    }
}
