/// The first difference between expected and live code, with a window of
/// bytes and the disassembly on both sides.
enum ByteDiffer {
    static func firstDifference(_ a: [UInt8], _ b: [UInt8], skipping: Range<Int>? = nil) -> Int? {
        for i in 0..<max(a.count, b.count) {
            if let s = skipping, s.contains(i) { continue }
            if i >= a.count || i >= b.count || a[i] != b[i] { return i }
        }
        return nil
    }

    static func diff(expected: [UInt8], found: [UInt8], entry: UInt64, at given: Int? = nil) -> ByteDiff {
        let off = given ?? firstDifference(expected, found) ?? 0
        // Made only here: a mismatch is rare, and verification runs inside
        // the stop window where opening Capstone would lengthen the pause.
        let disassembler = try? Disassembler()
        let start = instructionStart(in: expected, entry: entry, containing: off, disassembler)
        let window = 24
        let e = Array(expected[min(start, expected.count)..<min(expected.count, start + window)])
        let f = Array(found[min(start, found.count)..<min(found.count, start + window)])
        let at = entry &+ UInt64(start)
        return ByteDiff(offset: off, expected: e, found: f, windowStart: start,
                        expectedDisassembly: Array((disassembler?.decode(e, at: at) ?? []).prefix(4)),
                        foundDisassembly: Array((disassembler?.decode(f, at: at) ?? []).prefix(4)))
    }

    /// Starts the diff window on the instruction boundary before `offset`,
    /// so both sides disassemble from the same point.
    private static func instructionStart(in code: [UInt8], entry: UInt64, containing offset: Int,
                                         _ disassembler: Disassembler?) -> Int {
        guard let d = disassembler else { return max(0, offset - 4) }
        var start = 0
        for insn in d.decode(code, at: entry) {
            guard let o = Int(exactly: insn.address &- entry) else { break }
            if o > offset { break }
            start = o
        }
        return start
    }
}
