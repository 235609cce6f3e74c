import Recipients
import Testing

/// Random inputs never crash, and every accepted number round-trips through `E164Number`.
@Suite struct PhoneParserPropertyTests {
    func checkRoundTrip(_ result: Result<E164Number, PhoneRejection>) {
        if case .success(let number) = result {
            #expect(E164Number(number.string) == number)
        } else if case .failure(let rejection) = result {
            #expect(!rejection.code.isEmpty && !rejection.reason.isEmpty)
        }
    }

    @Test func randomTextNeverCrashes() {
        let parser = PhoneNumberParser()
        var rng = SeededGenerator(seed: 42)
        let pieces: [String] = ["0", "1", "2", "4", "7", "9", "+", "00", " ", "-", ".", "(", ")", "/", "x", "#", ",", ";",
                                "ext", "E", "a", "\u{00A0}", "\u{FF0B}", "\u{FF15}", "\u{0663}", "é", "\u{1F600}", "_", "*"]
        let regions: [String?] = [nil, "AO", "PT", "US", "GB", "AR", "BR", "MX", "IT", "RU", "ZZ", "x"]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...24, using: &rng)
            var text = ""
            for _ in 0..<length { text += pieces.randomElement(using: &rng)! }
            checkRoundTrip(parser.parse(text, defaultRegion: regions.randomElement(using: &rng)!))
        }
    }

    @Test func randomBytesNeverCrash() {
        let parser = PhoneNumberParser()
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            checkRoundTrip(bytes.withUnsafeBufferPointer { parser.parse(utf8: $0, defaultRegion: "AO") })
        }
        let long = [UInt8](repeating: UInt8(ascii: "9"), count: 1000)
        checkRoundTrip(long.withUnsafeBufferPointer { parser.parse(utf8: $0, defaultRegion: "AO") })
    }
}
