/// Polls `condition` every 50 ms until it holds or `limit` has passed; true if it held.
///
/// The limit only bounds a wait for work that is known to be under way; it never decides the result
/// of a test that would pass without waiting.
func eventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
