/// A libphonenumber pattern compiled (by the generator) into a tiny backtracking program.
///
/// Used for the few patterns that need Python `re.match` semantics rather than
/// a yes/no answer: the international prefix (match length), the national
/// prefix for parsing (match length plus capture groups) and leading digits.
/// Instructions are `(op, a, b)`: 0 = digit class (bit mask `a`),
/// 1 = split (try `a`, then `b`), 2 = jump `a`, 3 = save slot `a`,
/// 4 = end of input, 5 = match. Leftmost-first backtracking reproduces
/// Python's choice among alternatives exactly.
struct PatternProgram: Sendable {
    /// Flattened instructions, three `UInt16` per instruction.
    let code: [UInt16]
    /// Number of capture groups in the source pattern.
    let groupCount: Int

    /// Result of a successful match: end offset and capture slots (-1 when unset).
    struct Match {
        /// Number of digits consumed from the start of the input.
        var end: Int
        /// Slot `2g` / `2g+1` hold start / end of group `g` (1-based groups).
        var slots: SIMD16<Int16>

        /// The digit range captured by `group`, or nil when it did not participate.
        func range(of group: Int) -> Range<Int>? {
            let start = Int(slots[2 * group]), end = Int(slots[2 * group + 1])
            return start >= 0 && end >= start ? start..<end : nil
        }
    }

    /// Matches at the start of `digits` (values 0...9), like Python's `re.match`.
    func matchPrefix(_ digits: UnsafeBufferPointer<UInt8>) -> Match? {
        code.withUnsafeBufferPointer { program in
            Self.run(program, pc: 0, at: 0, digits, slots: SIMD16(repeating: -1))
        }
    }

    private static func run(
        _ program: UnsafeBufferPointer<UInt16>, pc start: Int, at position: Int,
        _ digits: UnsafeBufferPointer<UInt8>, slots initial: SIMD16<Int16>
    ) -> Match? {
        var pc = start, index = position, slots = initial
        while true {
            let op = program[3 * pc], a = Int(program[3 * pc + 1])
            switch op {
            case 0:
                guard index < digits.count, (a >> Int(digits[index])) & 1 == 1 else { return nil }
                index += 1
                pc += 1
            case 1:
                if let found = run(program, pc: a, at: index, digits, slots: slots) { return found }
                pc = Int(program[3 * pc + 2])
            case 2:
                pc = a
            case 3:
                if a < 16 { slots[a] = Int16(index) }
                pc += 1
            case 4:
                guard index == digits.count else { return nil }
                pc += 1
            default:
                return Match(end: index, slots: slots)
            }
        }
    }
}
