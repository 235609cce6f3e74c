/// How long each step of a campaign's and a message's life takes, in seconds of simulator clock.
///
/// Nothing runs on a timer: every status is computed from the creation time and the clock when asked,
/// so a test moves a campaign along by moving `clockOffset`.
public struct LifecycleTiming: Sendable, Equatable {
    /// A campaign stays PROCESSING (or PENDING) this long after it is accepted; then its messages exist.
    public var processing: Double = 1
    /// Messages stay PENDING this long once they exist; then they are SENT (and the campaign COMPLETED).
    public var sending: Double = 1
    /// Messages stay SENT this long; then they reach their final state.
    public var delivery: Double = 2

    /// The defaults: one second, one second, two seconds.
    public init() {}

    /// Every transition happens at once (handy in tests).
    public static var instant: LifecycleTiming {
        var t = LifecycleTiming()
        t.processing = 0
        t.sending = 0
        t.delivery = 0
        return t
    }
}
