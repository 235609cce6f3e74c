import Foundation

/// Where state files live when `--state` is not given.
enum StatePaths {
    /// `$XDG_STATE_HOME/ziett-batch` or `~/.local/state/ziett-batch`.
    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_STATE_HOME"], !xdg.isEmpty { return xdg + "/ziett-batch" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/ziett-batch"
    }

    /// Where each API key's machine-wide budget lives (`KeyBudget`): `ZIETT_BATCH_KEY_LEDGER_DIR`, else
    /// `keys/` in the state directory. Jobs of several users on one key share it only if they point here.
    static var keyLedgerDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["ZIETT_BATCH_KEY_LEDGER_DIR"], !dir.isEmpty { return dir }
        return directory + "/keys"
    }

    /// `ZIETT_BATCH_STATE` when set: the state every command uses without `--state` (a PostgreSQL URL
    /// for hosts that share jobs, so the password need not be on a command line).
    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        env["ZIETT_BATCH_STATE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The default state file of a job.
    static func file(job: String) -> String { directory + "/" + safe(job) + ".sqlite" }

    /// Every state file in the default directory.
    static func all() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".sqlite") }.sorted().map { directory + "/" + $0 }
    }

    /// A job name from a CSV path: its base name without extension.
    static func jobName(csv: String) -> String {
        let base = (csv as NSString).lastPathComponent
        let stem = (base as NSString).deletingPathExtension
        return stem.isEmpty ? "job" : stem
    }

    static func safe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}
