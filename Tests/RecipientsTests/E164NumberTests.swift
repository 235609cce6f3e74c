import Recipients
import Testing

/// Strict E.164 syntax of `E164Number`.
@Suite struct E164NumberTests {
    @Test func parsesStrictSyntaxOnly() {
        #expect(E164Number("+244923456789")?.digits == 244_923_456_789)
        #expect(E164Number("+244923456789")?.string == "+244923456789")
        #expect(E164Number("+244923456789")?.description == "+244923456789")
        for bad in ["244923456789", "+", "+0244923456789", "+244 923", "++244923456789", "+2449234567891234567890", ""] {
            #expect(E164Number(bad) == nil, "\(bad)")
        }
    }

    @Test func ordersNumerically() throws {
        let a = try #require(E164Number("+1201555012"))
        let b = try #require(E164Number("+244923456789"))
        #expect(a < b)
    }
}
