/// A request budget: `count` requests per `window` seconds.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    /// Requests allowed per window.
    public var count: Int
    /// The window, in seconds.
    public var window: Double

    /// Creates a limit.
    public init(count: Int, window: Double) {
        self.count = count
        self.window = window
    }

    /// `POST /campaigns/batch`: 10 per minute per key (both doc sites agree).
    public static let batch = ZiettEndpoint.sendBatch.documentedLimit
    /// `POST /messages`: 120 per minute per key (see `ZiettEndpoint.documentedLimit`).
    public static let single = ZiettEndpoint.sendMessage.documentedLimit
    /// Look-ups (`GET /campaigns`, `GET /messages`), see `ZiettEndpoint.documentedLimit`.
    public static let read = ZiettEndpoint.listMessages.documentedLimit

    /// Parses `10/min`, `5/s`, `2/sec`, `300/m`, `1/h`, and windows of several units: `10/2s`, `100/5min`.
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let count = Int(parts[0].trimmingCharacters()), count > 0 else { return nil }
        let period = parts[1].trimmingCharacters()
        let digits = period.prefix { $0.isNumber || $0 == "." }
        let multiple = digits.isEmpty ? 1 : Double(digits)
        guard let multiple, multiple > 0 else { return nil }
        let unit: Double
        switch period.dropFirst(digits.count) {
        case "s", "sec", "second", "seconds": unit = 1
        case "m", "min", "minute", "minutes": unit = 60
        case "h", "hour", "hours": unit = 3600
        default: return nil
        }
        window = multiple * unit
        self.count = count
    }

    public var description: String {
        window == 1 ? "\(count)/s" : window == 60 ? "\(count)/min" : "\(count)/\(window == window.rounded() ? String(Int(window)) : String(window))s"
    }

    /// Average seconds between requests at this rate.
    public var interval: Double { window / Double(count) }
}

extension Substring {
    fileprivate func trimmingCharacters() -> Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
