/// Prints to standard error.
func printError(_ text: String) {
    var stderr = StandardError()
    print(text, to: &stderr)
}

/// Standard error as a `TextOutputStream`, unbuffered.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.write(string, fd: 2)
    }
}

/// Unbuffered writes to a file descriptor, retried until every byte is out.
enum FileHandleOutput {
    /// Writes `string` to `fd`; stops silently if the descriptor is closed (a gone cron mailer).
    static func write(_ string: String, fd: Int32) {
        var s = string
        s.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Prints a line to standard output, unbuffered, so it interleaves correctly with the summary.
func say(_ text: String) {
    FileHandleOutput.write(text + "\n", fd: 1)
}
