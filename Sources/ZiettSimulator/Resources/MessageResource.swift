/// A message on the wire: the full object of `GET /messages/{id}`, or the slimmer list entry.
struct MessageResource: Encodable, Sendable {
    var view: MessageView
    var full: Bool
    var style: TimestampStyle

    enum Key: String, CodingKey {
        case id, organization_id, billing_account_id, campaign_id, contact_id, sms_remitter_id, sms_remitter, remitter_id
        case external_id, channel_type, channel_destination, provider_name, e164_format, target_e164, content
        case trigger_source, cost, is_refunded, status, error_code, created_at, updated_at
    }

    enum RemitterKey: String, CodingKey { case id, name }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        let m = view.record
        let route = Organisation.route(m.e164)
        try c.encode(m.id, forKey: .id)
        try c.encode(m.campaignID, forKey: .campaign_id)
        try c.encodeNil(forKey: .contact_id)
        try c.encode("SMS", forKey: .channel_type)
        try c.encode(route.destination, forKey: .channel_destination)
        try c.encode(m.content, forKey: .content)
        try c.encode(view.status, forKey: .status)
        try c.encode(view.errorCode, forKey: .error_code)
        try c.encode(Timestamp.format(m.createdAt, style: style), forKey: .created_at)
        try c.encode(Timestamp.format(view.updatedAt, style: style), forKey: .updated_at)
        if full {
            try c.encode(Organisation.id, forKey: .organization_id)
            try c.encode(Organisation.billingAccountID, forKey: .billing_account_id)
            try c.encode(m.remitterID, forKey: .sms_remitter_id)
            var remitter = c.nestedContainer(keyedBy: RemitterKey.self, forKey: .sms_remitter)
            try remitter.encode(m.remitterID, forKey: .id)
            try remitter.encode(Organisation.remitterName, forKey: .name)
            try c.encodeNil(forKey: .external_id)
            try c.encode(route.provider, forKey: .provider_name)
            try c.encode(m.e164 ?? m.raw, forKey: .e164_format)
            try c.encode("API", forKey: .trigger_source)
            try c.encode(Self.decimal(m.cost), forKey: .cost)
            try c.encode(view.isRefunded, forKey: .is_refunded)
        } else {
            try c.encode(m.remitterID, forKey: .remitter_id)
            try c.encode(m.e164 ?? m.raw, forKey: .target_e164)
        }
    }

    /// `15` → `"15.000000"`.
    static func decimal(_ value: Double) -> String {
        let micros = Int64((value * 1_000_000).rounded())
        let whole = micros / 1_000_000
        let frac = String(abs(micros % 1_000_000))
        return "\(whole)." + String(repeating: "0", count: 6 - frac.count) + frac
    }
}
