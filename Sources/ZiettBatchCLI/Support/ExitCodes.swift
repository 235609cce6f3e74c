import ArgumentParser
import Delivery

extension ExitStatus {
    /// As ArgumentParser's exit code.
    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// Prints to standard error.
func printError(_ text: String) {
    var stderr = StandardError()
    print(text, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.write(string, fd: 2)
    }
}

enum FileHandleOutput {
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
