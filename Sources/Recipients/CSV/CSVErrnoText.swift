#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// errno helpers shared by the file readers.
enum CSVErrnoText {
    /// The C library's text for an errno value, e.g. "Input/output error".
    static func text(_ code: Int32) -> String {
        guard let cString = strerror(code) else { return "errno \(code)" }
        return String(cString: cString)
    }
}
