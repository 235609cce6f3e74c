// PhoneBench: throughput of PhoneNumberParser on an Angolan-CSV-like mix.
//
// Run: swift run -c release PhoneBench [seconds-per-run]
// Prints the one-time metadata decode cost, then numbers/s on one core for the
// UTF-8 byte overload (what the CSV reader uses) and the String overload.
import Recipients

/// The Angolan CSV forms: +244923456789, 923456789, +244 923 456 789, 00244923456789, 923-456-789.
func makeInputs(count: Int) -> [String] {
    var rng = SplitMix64(seed: 2026)  // deterministic: every run parses the same inputs
    let prefixes = ["91", "92", "93", "94", "95", "97", "99"]
    return (0..<count).map { index in
        let rest = (0..<7).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
        let nsn = prefixes.randomElement(using: &rng)! + rest
        let chars = Array(nsn)
        let a = String(chars[0..<3]), b = String(chars[3..<6]), c = String(chars[6...])
        switch index % 5 {
        case 0: return "+244" + nsn
        case 1: return nsn
        case 2: return "+244 \(a) \(b) \(c)"
        case 3: return "00244" + nsn
        default: return "\(a)-\(b)-\(c)"
        }
    }
}

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 3 : 3
let clock = ContinuousClock()
let decodeStart = clock.now
let parser = PhoneNumberParser()
_ = parser.isKnownRegion("AO")
print("metadata decode (first use): \(clock.now - decodeStart)")

let inputs = makeInputs(count: 10_000)
let bytes = inputs.map { Array($0.utf8) }

func run(_ label: String, _ body: () -> Int) {
    var parsed = 0, valid = 0
    let start = clock.now
    while clock.now - start < .seconds(seconds) {
        valid &+= body()
        parsed += inputs.count
    }
    let elapsed = clock.now - start
    let perSecond = Double(parsed) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    print("\(label): \(Int(perSecond)) numbers/s (\(parsed) parsed, \(valid) valid)")
}

run("parse(utf8:) AO mix") {
    var valid = 0
    for input in bytes {
        input.withUnsafeBufferPointer { buffer in
            if case .success = parser.parse(utf8: buffer, defaultRegion: "AO") { valid += 1 }
        }
    }
    return valid
}
run("parse(_:) String AO mix") {
    var valid = 0
    for input in inputs {
        if case .success = parser.parse(input, defaultRegion: "AO") { valid += 1 }
    }
    return valid
}

// Number type and time zones, asked for after a parse (only a job with `--number-types` other than the
// default or a send window needs them; the parse above never computes them).
let parsedNumbers: [E164Number] = bytes.compactMap { input in
    input.withUnsafeBufferPointer { buffer in
        if case .success(let number) = parser.parse(utf8: buffer, defaultRegion: "AO") { return number }
        return nil
    }
}
run("numberType(of:) AO mix") {
    var mobile = 0
    for number in parsedNumbers where parser.numberType(of: number) == .mobile { mobile += 1 }
    return mobile
}
run("timeZones(of:) AO mix") {
    var known = 0
    for number in parsedNumbers where parser.timeZones(of: number).first != "Etc/Unknown" { known += 1 }
    return known
}

// The agreement corpus (all regions, garbage, mutations): a harder, mostly-invalid mix.
if let corpus = loadCorpus() {
    print("corpus mix: \(corpus.count) lines")
    var bytesByLine = corpus.map { (Array($0.text.utf8), $0.region) }
    var shuffler = SplitMix64(seed: 99)
    bytesByLine.shuffle(using: &shuffler)
    var parsed = 0
    let start = clock.now
    while clock.now - start < .seconds(seconds) {
        for (text, region) in bytesByLine {
            _ = text.withUnsafeBufferPointer { parser.parse(utf8: $0, defaultRegion: region) }
        }
        parsed += bytesByLine.count
    }
    let elapsed = clock.now - start
    let perSecond = Double(parsed) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    print("parse(utf8:) corpus mix: \(Int(perSecond)) numbers/s")
}
