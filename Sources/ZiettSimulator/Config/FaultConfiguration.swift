/// Injected failures, each a probability per request, drawn from the seeded generator.
///
/// In `SimulatorConfiguration.faults` the POST rates apply to POSTs and `readErrorRate` to GETs; in
/// `faultsByEndpoint` every rate applies to that endpoint.
public struct FaultConfiguration: Sendable, Equatable {
    /// Share of requests answered with one of `serverErrorStatuses` before doing anything.
    public var serverErrorRate: Double = 0
    /// The statuses a server error is drawn from.
    public var serverErrorStatuses: [Int] = [500, 502, 503]
    /// Share of requests answered 429 although under the limit (a burst from "other clients").
    public var spuriousRateLimitRate: Double = 0
    /// How many consecutive requests of the key to the endpoint a burst answers 429.
    public var burstLength = 1
    /// `Retry-After` seconds sent with a burst 429.
    public var burstRetryAfter = 1
    /// Share of requests whose work is done and stored, then the connection is dropped without an answer.
    public var lostReplyRate: Double = 0
    /// Seconds a POST's work takes once its Idempotency-Key is reserved (makes the in-flight 409 observable).
    ///
    /// The work runs apart from the request, as a real API's workers do: it completes (campaign or message
    /// stored, balance charged, ledger written) even when the client times out or disconnects meanwhile.
    /// `ZiettSimulatorServer.stop()` cuts pending delays short and waits for the work.
    public var workDelay: Double = 0
    /// Share of requests answered `200 OK` with an HTML page (`Content-Type: text/html`) and nothing done.
    ///
    /// Models a misconfigured proxy or captive portal in front of the API: a 2xx that created nothing,
    /// charged nothing and carries no id. The request is still counted (`responses`, and `requests` with
    /// the outcome `phantom`).
    public var phantomAcceptRate: Double = 0
    /// Share of GETs answered 503.
    public var readErrorRate: Double = 0
    /// Added latency per request, in seconds (uniform in 0…latency).
    public var latency: Double = 0

    /// No faults.
    public init() {}

    /// True when any fault is enabled.
    public var isEnabled: Bool {
        serverErrorRate > 0 || spuriousRateLimitRate > 0 || lostReplyRate > 0 || readErrorRate > 0 || latency > 0
            || phantomAcceptRate > 0 || workDelay > 0
    }
}
