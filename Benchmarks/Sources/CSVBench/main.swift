// Throughput benchmark: `swift run -c release CSVBench FILE.csv [--template "Hello {{name}}, ..."]`
// Pass 1 reads every record; pass 2 reads and renders the template per row and analyses its SMS encoding;
// pass 3 renders from one in-memory row (template engine alone).
import Recipients

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func fileSize(_ path: String) -> Double {
    var info = stat()
    return stat(path, &info) == 0 ? Double(info.st_size) : 0
}

func report(_ label: String, rows: Int, bytes: Double, time: Double) {
    let rate = Double(rows) / time
    let mb = bytes / time / 1_000_000
    print("\(label): \(rows) rows in \(String(format3(time))) s = \(Int(rate)) rows/s, \(Int(mb)) MB/s")
}

func format3(_ value: Double) -> String {
    let scaled = Int((value * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}

var arguments = Array(CommandLine.arguments.dropFirst())
var templateText = "Hello {{name}}, your code is {{code}}."
let parseOnly = arguments.contains("--parse-only")
arguments.removeAll { $0 == "--parse-only" }
if let flag = arguments.firstIndex(of: "--template"), flag + 1 < arguments.count {
    templateText = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}
guard let path = arguments.first else {
    print("usage: CSVBench FILE.csv [--template TEXT]")
    exit(2)
}
let bytes = fileSize(path)

do {
    // Pass 1: parse only.
    var rows = 0, problems = 0, fieldBytes = 0
    let parseTime = try seconds {
        let reader = try CSVReader(path: path)
        while let record = try reader.next() {
            rows += 1
            if record.problem != nil { problems += 1 }
            fieldBytes &+= record.fields.count
        }
    }
    report("parse", rows: rows, bytes: bytes, time: parseTime)
    print("  problems: \(problems)")
    if parseOnly { exit(0) }

    // Pass 2: parse + render + SMS analysis.
    var rendered = 0, failed = 0, units = 0, segments = 0
    let renderTime = try seconds {
        let reader = try CSVReader(path: path)
        let template = try MessageTemplate(templateText, header: reader.header)
        while let record = try reader.next() {
            switch template.render(record.fields) {
            case .success(let text):
                rendered += 1
                let analysis = SMSAnalysis(text)
                units &+= analysis.units
                segments &+= analysis.segments
            case .failure:
                failed += 1
            }
        }
    }
    report("parse+render+sms", rows: rendered + failed, bytes: bytes, time: renderTime)
    print("  rendered: \(rendered), failed: \(failed), segments: \(segments)")

    // Pass 3: template rendering alone.
    let reader = try CSVReader(path: path)
    let template = try MessageTemplate(templateText, header: reader.header)
    let sample = try reader.next()!.fields
    let iterations = 3_000_000
    var total = 0
    let renderOnly = seconds {
        for _ in 0..<iterations {
            if case .success(let text) = template.render(sample) { total &+= text.utf8.count }
        }
    }
    print("render only: \(Int(Double(iterations) / renderOnly)) renders/s (\(total) bytes)")
    var septets = 0
    let smsOnly = seconds {
        let text = "Hello Client 12345, your code is 123456."
        for _ in 0..<iterations { septets &+= SMSAnalysis(text).units }
    }
    print("sms analysis only: \(Int(Double(iterations) / smsOnly)) analyses/s (\(septets))")
} catch {
    print("error: \(error)")
    exit(1)
}
