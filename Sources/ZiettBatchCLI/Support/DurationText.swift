/// A duration as an operator reads it: "about 4 min", "about 2 h 5 min".
enum DurationText {
    static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "under a second" }
        let s = Int(seconds.rounded())
        if s < 120 { return "about \(s) s" }
        if s < 7200 { return "about \(s / 60) min" }
        return "about \(s / 3600) h \(s % 3600 / 60) min"
    }
}
