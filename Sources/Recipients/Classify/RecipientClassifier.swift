/// What one CSV record means for sending: a number to send to (with its text), or a reason it is not.
public struct RecipientClassification: Sendable, Equatable {
    /// The phone cell as read ("" when the row has no such column).
    public var phone: String
    /// The E.164 number when the row is usable.
    public var e164: E164Number?
    /// Why the row is not usable (nil when it is).
    public var reason: String?
    /// A stable code for the reason, for summaries (`too_short`, `field_count`, `template`).
    public var reasonCode: String?
    /// The rendered text for personalised templates.
    public var content: String?
    /// libphonenumber's type of the number, whenever the number is valid (even when the row is not usable).
    public var type: PhoneNumberType?
    /// The row's send-window group, when the job has a send window: its time zones, space-separated
    /// (the `timezone` cell, else the number's zones from libphonenumber). Rows with the same group have
    /// the same window openings, so they can share a batch request.
    public var windowGroup: String?

    /// True when the row can be sent to.
    public var isValid: Bool { reason == nil && e164 != nil }
}

/// What a classifier accepts besides a valid number: the number types that may be sent to, and
/// whether (and how) each row's time zones are found.
public struct RecipientPolicy: Sendable, Equatable {
    /// The types sent to by default: the ones sure to receive SMS.
    public static let defaultNumberTypes: Set<PhoneNumberType> = [.mobile, .fixedLineOrMobile]
    /// Header names of the optional per-row time-zone column (IANA name), matched like the phone column.
    public static let timeZoneColumnNames = ["timezone", "time_zone", "time zone", "tz"]

    /// Number types sent to; a valid number of another type is `invalid`, with a reason naming the type.
    public var numberTypes: Set<PhoneNumberType>
    /// True when the job has a send window: each usable row gets its window group.
    public var resolvesTimeZones: Bool
    /// Whether an IANA name is a time zone the system knows (the `timezone` cell is checked with it).
    public var isKnownTimeZone: @Sendable (String) -> Bool

    /// Creates a policy.
    public init(
        numberTypes: Set<PhoneNumberType> = RecipientPolicy.defaultNumberTypes, resolvesTimeZones: Bool = false,
        isKnownTimeZone: @escaping @Sendable (String) -> Bool = { _ in true }
    ) {
        self.numberTypes = numberTypes
        self.resolvesTimeZones = resolvesTimeZones
        self.isKnownTimeZone = isKnownTimeZone
    }

    /// Equal when they decide the same (the time-zone check is assumed to be the system's in both).
    public static func == (lhs: RecipientPolicy, rhs: RecipientPolicy) -> Bool {
        lhs.numberTypes == rhs.numberTypes && lhs.resolvesTimeZones == rhs.resolvesTimeZones
    }
}

/// Turns CSV records into recipients: finds the phone (and country) column, validates the number,
/// renders the template. Pure and shared by `validate` and `run`, so both always agree.
public struct RecipientClassifier: Sendable {
    /// Header names tried, in order, when no phone column is given.
    public static let phoneColumnNames = [
        "phone", "msisdn", "mobile", "number", "telefone", "telemovel", "celular", "e164", "to", "recipient",
    ]

    /// The column holding the number.
    public let phoneColumn: Int
    /// A per-row `country` column, when the CSV has one.
    public let countryColumn: Int?
    /// The default region (`--country`).
    public let defaultRegion: String?
    /// The template, when the text is personalised.
    public let template: MessageTemplate?
    /// The per-row `timezone` column, when the CSV has one.
    public let timeZoneColumn: Int?
    /// Its header, as written (for reasons).
    let timeZoneHeader: String
    /// Number types sent to and time-zone resolution.
    public let policy: RecipientPolicy
    /// `policy.numberTypes` as a bit per type code, so the per-row check hashes nothing.
    let sendableTypes: UInt16
    let parser: PhoneNumberParser

    /// Why a classifier cannot be built for a file.
    public enum SetupError: Error, Sendable, CustomStringConvertible {
        /// The named phone column is not in the header.
        case phoneColumnNotFound(name: String, header: [String])
        /// No header matches a known phone column name.
        case noPhoneColumn(header: [String])
        /// `--country` is not a known region.
        case unknownRegion(String)
        /// The template refers to a column that does not exist, or is malformed.
        case template(TemplateError)

        public var description: String {
            switch self {
            case .phoneColumnNotFound(let name, let header):
                "no column named \"\(name)\" in the header (columns: \(header.joined(separator: ", ")))"
            case .noPhoneColumn(let header):
                "cannot find the phone column: none of the headers (\(header.joined(separator: ", "))) is one of "
                    + "\(RecipientClassifier.phoneColumnNames.joined(separator: ", ")); name it with --phone-column"
            case .unknownRegion(let region): "--country \(region) is not a known ISO 3166 alpha-2 region"
            case .template(let error): "the message template: \(error)"
            }
        }
    }

    /// Builds a classifier for a file with `header`.
    public init(
        header: [String], phoneColumn: String?, defaultRegion: String?, message: String?,
        policy: RecipientPolicy = RecipientPolicy(), parser: PhoneNumberParser = PhoneNumberParser()
    ) throws(SetupError) {
        let lowered = header.map { Self.headerKey($0) }
        if let phoneColumn {
            guard let index = lowered.firstIndex(of: Self.headerKey(phoneColumn)) else {
                throw .phoneColumnNotFound(name: phoneColumn, header: header)
            }
            self.phoneColumn = index
        } else {
            guard let index = Self.phoneColumnNames.lazy.compactMap({ lowered.firstIndex(of: $0) }).first else {
                throw .noPhoneColumn(header: header)
            }
            self.phoneColumn = index
        }
        countryColumn = lowered.firstIndex(of: "country") ?? lowered.firstIndex(of: "pais")
        timeZoneColumn = RecipientPolicy.timeZoneColumnNames.lazy.compactMap { lowered.firstIndex(of: $0) }.first
        timeZoneHeader = timeZoneColumn.map { header[$0] } ?? "timezone"
        self.policy = policy
        sendableTypes = policy.numberTypes.reduce(0) { $0 | 1 << $1.code }
        if let defaultRegion, !parser.isKnownRegion(defaultRegion) { throw .unknownRegion(defaultRegion) }
        self.defaultRegion = defaultRegion?.uppercased()
        self.parser = parser
        if let message {
            let compiled: MessageTemplate
            do { compiled = try MessageTemplate(message, header: header) } catch { throw .template(error) }
            template = compiled.isPersonalised ? compiled : nil
        } else {
            template = nil
        }
    }

    /// A header name as matched: trimmed, lower-cased, accents removed, so that an export's
    /// `Telemóvel` or `Número` finds the phone column as `telemovel` or `numero` would.
    static func headerKey(_ name: String) -> String {
        String(String(name.trimmingWhitespace()).lowercased().map { character -> Character in
            switch character {
            case "á", "à", "â", "ã", "ä": "a"
            case "é", "è", "ê", "ë": "e"
            case "í", "ì", "î", "ï": "i"
            case "ó", "ò", "ô", "õ", "ö": "o"
            case "ú", "ù", "û", "ü": "u"
            case "ç": "c"
            case "ñ": "n"
            default: character
            }
        })
    }

    /// True when every recipient gets its own text (single messages instead of batches).
    public var isPersonalised: Bool { template != nil }

    /// Classifies one record.
    public func classify(_ record: CSVRecord) -> RecipientClassification {
        let phone = phoneColumn < record.fields.count ? record.fields[phoneColumn] : ""
        if let problem = record.problem {
            return .init(phone: phone, e164: nil, reason: "line \(record.line): \(problem.reason)", reasonCode: problem.code)
        }
        var region = defaultRegion
        if let countryColumn, countryColumn < record.fields.count {
            let cell = record.fields[countryColumn].trimmingWhitespace()
            if !cell.isEmpty { region = cell.uppercased() }
        }
        let number: E164Number, type: PhoneNumberType
        switch parser.parseTyped(phone, defaultRegion: region) {
        case .success(let typed): (number, type) = (typed.number, typed.type)
        case .failure(let rejection):
            return .init(phone: phone, e164: nil, reason: rejection.reason, reasonCode: rejection.code)
        }
        guard sendableTypes & 1 << type.code != 0 else {
            return .init(
                phone: phone, e164: number, reason: "\(type.phrase): cannot receive SMS; --number-types to allow",
                reasonCode: "number_type", type: type)
        }
        var windowGroup: String?
        if policy.resolvesTimeZones {
            switch timeZones(of: number, record: record) {
            case .group(let group): windowGroup = group
            case .problem(let problem):
                return .init(phone: phone, e164: number, reason: problem, reasonCode: "timezone", type: type)
            }
        }
        guard let template else { return .init(phone: phone, e164: number, type: type, windowGroup: windowGroup) }
        switch template.render(record.fields) {
        case .success(let text): return .init(phone: phone, e164: number, content: text, type: type, windowGroup: windowGroup)
        case .failure(let error):
            return .init(phone: phone, e164: number, reason: error.reason, reasonCode: "template", type: type)
        }
    }

    /// The row's window group: its `timezone` cell when filled (an IANA name the system knows), else
    /// the number's zones (libphonenumber's, space-separated); a problem naming the line and column.
    private func timeZones(of number: E164Number, record: CSVRecord) -> WindowGroupLookup {
        if let timeZoneColumn, timeZoneColumn < record.fields.count {
            let cell = String(record.fields[timeZoneColumn].trimmingWhitespace())
            if !cell.isEmpty {
                guard !cell.contains(" "), policy.isKnownTimeZone(cell) else {
                    return .problem(
                        "line \(record.line): column \"\(timeZoneHeader)\": "
                            + "\"\(cell)\" is not an IANA time zone (e.g. Africa/Luanda)")
                }
                return .group(cell)
            }
        }
        let zones = parser.timeZones(of: number)
        // Fail closed: a zone this build cannot place (libphonenumber's Etc/Unknown for satellite numbers, or
        // a name newer than the tz data) must not be taken for UTC and texted at night.
        if let unknown = zones.first(where: { !policy.isKnownTimeZone($0) }) {
            return .problem(
                "line \(record.line): no time zone is known for this number (\(unknown)), so --send-window cannot be "
                    + "kept; add a \"timezone\" column with its IANA zone")
        }
        return .group(zones.joined(separator: " "))
    }

    /// A row's window group, or why its `timezone` cell cannot be used.
    private enum WindowGroupLookup {
        case group(String)
        case problem(String)
    }
}
