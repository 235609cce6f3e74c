import ArgumentParser
import ZiettClient

/// Where the Ziett API is and how to authenticate: `--base-url`, and the key from `ZIETT_API_KEY` (never a
/// flag, so it stays out of `ps` and shell history). Shared by `run` and `track`.
struct APIOptions: ParsableArguments {
    @Option(help: "API base URL (env ZIETT_BASE_URL, else https://api.ziett.co/c/v1).")
    var baseURL: String?

    @Flag(help: "Allow a plain http base URL to a host other than loopback (the key would cross the network unencrypted).")
    var allowInsecureHTTP = false

    /// `--base-url`, else `ZIETT_BASE_URL`, else the production API.
    func resolvedBaseURL(environment env: [String: String]) -> String {
        baseURL ?? env["ZIETT_BASE_URL"] ?? ZiettClientConfiguration.defaultBaseURL
    }

    /// The API key from the environment, nil when unset or empty.
    static func apiKey(environment env: [String: String]) -> String? {
        guard let key = env["ZIETT_API_KEY"], !key.isEmpty else { return nil }
        return key
    }

    /// Takes `base-url` from the job file unless the command line set it.
    mutating func apply(_ file: JobFile) {
        if baseURL == nil { baseURL = file.strings["base-url"] }
        allowInsecureHTTP = allowInsecureHTTP || file.flags["allow-insecure-http"] == true
    }
}
