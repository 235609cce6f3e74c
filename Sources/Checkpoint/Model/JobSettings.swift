/// What a job was created with; stored as JSON in the job row.
///
/// A resumed run must send exactly what the first run planned, so the settings that shape requests are
/// fixed at creation and compared on every later run.
public struct JobSettings: Codable, Sendable, Equatable {
    /// The CSV file.
    public var csvPath: String
    /// The sender ID (UUID).
    public var sender: String
    /// The message template text.
    public var message: String
    /// Default ISO alpha-2 region for numbers without a country code.
    public var country: String?
    /// The phone column header, when given.
    public var phoneColumn: String?
    /// Recipients per batch request (≤ 1000).
    public var chunkSize: Int
    /// Field delimiter override (a single ASCII character), when given.
    public var delimiter: String?
    /// Suppression list file, when given.
    public var suppressPath: String?
    /// A short hash of (CSV content, sender, message), set when the job is created and carried in every
    /// batch name, so the API itself remembers which campaign a batch belongs to: a new job finds the
    /// same campaign sent from a lost state file (docs/recovery.md). Nil for jobs created before it; not
    /// compared on resume (an appended CSV stays the same campaign).
    public var campaignFingerprint: String?
    /// The send window in each recipient's local time (`09:00-20:00`, then the days when not every day:
    /// `09:00-20:00 mon,tue,wed,thu,fri`), when given (`--send-window`, `--send-days`).
    public var sendWindow: String?
    /// Nothing is sent before this time (Unix seconds, `--not-before`).
    public var notBefore: Double?
    /// Nothing is sent after this time; the remaining rows expire (Unix seconds, `--not-after`).
    public var notAfter: Double?
    /// The number types sent to, sorted (`--number-types`); nil for the default, mobile and
    /// fixed_line_or_mobile (also what jobs created before number types were known get).
    public var numberTypes: [String]?

    /// Creates settings.
    public init(
        csvPath: String, sender: String, message: String, country: String?, phoneColumn: String?,
        chunkSize: Int, delimiter: String? = nil, suppressPath: String? = nil, campaignFingerprint: String? = nil
    ) {
        self.csvPath = csvPath
        self.sender = sender
        self.message = message
        self.country = country
        self.phoneColumn = phoneColumn
        self.chunkSize = chunkSize
        self.delimiter = delimiter
        self.suppressPath = suppressPath
        self.campaignFingerprint = campaignFingerprint
    }

    /// The members that differ from `other`, by option name, for a clear refusal.
    public func differences(from other: JobSettings) -> [String] {
        var names: [String] = []
        if sender != other.sender { names.append("--sender") }
        if message != other.message { names.append("--message") }
        if country != other.country { names.append("--country") }
        if phoneColumn != other.phoneColumn { names.append("--phone-column") }
        if chunkSize != other.chunkSize { names.append("--chunk-size") }
        if delimiter != other.delimiter { names.append("--delimiter") }
        if suppressPath != other.suppressPath { names.append("--suppress") }
        if sendWindow != other.sendWindow { names.append("--send-window/--send-days") }
        if notBefore != other.notBefore { names.append("--not-before") }
        if notAfter != other.notAfter { names.append("--not-after") }
        if numberTypes != other.numberTypes { names.append("--number-types") }
        return names
    }
}
