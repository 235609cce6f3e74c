public import Checkpoint

/// Everything `ziett-batch run` was asked to do.
public struct RunOptions: Sendable {
    /// The recipients CSV.
    public var csvPath: String
    /// The job's name (default: the CSV's base name).
    public var jobName: String
    /// The state file.
    public var statePath: String
    /// Sender ID (UUID).
    public var sender: String
    /// Message text or template.
    public var message: String
    /// Default region.
    public var country: String?
    /// Phone column header.
    public var phoneColumn: String?
    /// Delimiter override.
    public var delimiter: String?
    /// Suppression list.
    public var suppressPath: String?
    /// Recipients per batch (≤ 1000).
    public var chunkSize: Int = 1000
    /// Ingest and plan only.
    public var dryRun = false
    /// Continue although the CSV changed since the job began.
    public var allowChangedInput = false
    /// API base URL.
    public var baseURL: String
    /// API key (from the environment only).
    public var apiKey: String?
    /// Allow plain http to a host other than loopback (`--allow-insecure-http`).
    public var allowInsecureHTTP = false
    /// Pacing and retry.
    public var dispatch: DispatchOptions
    /// Where the key's machine-wide budget lives (`KeyBudget`); nil: this job paces alone.
    public var keyLedgerDirectory: String?
    /// The send window and days, as `SendWindow.description` (`--send-window`, `--send-days`).
    public var sendWindow: String?
    /// Campaign start (`--not-before`, Unix seconds).
    public var notBefore: Double?
    /// Campaign end (`--not-after`, Unix seconds).
    public var notAfter: Double?
    /// Number types sent to, sorted; nil for the default (`--number-types`).
    public var numberTypes: [String]?

    /// Creates options.
    public init(csvPath: String, jobName: String, statePath: String, sender: String, message: String, baseURL: String, apiKey: String?, dispatch: DispatchOptions) {
        self.csvPath = csvPath
        self.jobName = jobName
        self.statePath = statePath
        self.sender = sender
        self.message = message
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.dispatch = dispatch
    }

    /// The settings a job is created with and compared against.
    public var settings: JobSettings {
        var settings = JobSettings(
            csvPath: csvPath, sender: sender, message: message, country: country?.uppercased(), phoneColumn: phoneColumn,
            chunkSize: chunkSize, delimiter: delimiter, suppressPath: suppressPath)
        settings.sendWindow = sendWindow
        settings.notBefore = notBefore
        settings.notAfter = notAfter
        settings.numberTypes = numberTypes
        return settings
    }
}
