import OldCodeCheck

/// Where a frame of a function keeps its return address, found from the
/// function's own code: starting at a point inside it with a known stack
/// pointer, every path is followed (Capstone) to each way out (`ret`, or a
/// jump out of the function, a tail call) while the change of the stack
/// pointer is tracked. All ways out must agree on where the stack pointer
/// is; the return address sits there.
///
/// This is what the unwind tables say for ordinary compiled code, without
/// needing them (a payload's new code carries none). Anything the analysis
/// cannot follow exactly (the stack pointer set from another register, as
/// `leave` or `alloca` do; paths that disagree; no way out) gives no
/// answer, and then nothing is waited for.
enum FrameExit {
    /// The code of one function: its bounds and bytes.
    struct Code {
        let start: UInt64
        let bytes: [UInt8]
        var end: UInt64 { start + UInt64(bytes.count) }
        func contains(_ a: UInt64) -> Bool { a >= start && a < end }
    }

    enum Failure: Error, CustomStringConvertible {
        case untracked(String)
        case disagree
        case noExit
        public var description: String {
            switch self {
            case let .untracked(i): return "its stack pointer is changed in a way that cannot be followed (\(i))"
            case .disagree: return "its ways out disagree about where the return address is"
            case .noExit: return "no way out of it was found"
            }
        }
    }

    static let maxInstructions = 20_000

    /// The offset from the stack pointer at `pc` to the frame's return
    /// address.
    static func returnSlotOffset(from pc: UInt64, in code: Code, disassembler: Disassembler) throws(Failure) -> Int64 {
        var seen: [UInt64: Int64] = [:]
        var work: [(UInt64, Int64)] = [(pc, 0)]
        var answer: Int64?
        var steps = 0
        func reached(_ d: Int64) throws(Failure) {
            if let a = answer, a != d { throw .disagree }
            answer = d
        }
        while let (at, delta) = work.popLast() {
            if let d = seen[at] {
                if d != delta { throw .disagree }
                continue
            }
            seen[at] = delta
            steps += 1
            guard steps < maxInstructions else { throw .noExit }
            // Only a fall-through leaves the bounds here (jumps out are tail
            // calls, handled below): the end of the function after a call
            // that does not return, such as __stack_chk_fail.
            guard code.contains(at) else { continue }
            let o = Int(at - code.start)
            let window = Array(code.bytes[o..<min(code.bytes.count, o + 16)])
            guard let insn = disassembler.decode(window, at: at, limit: 1).first
            else { throw .untracked("undecodable bytes at 0x\(String(at, radix: 16))") }
            let next = at + UInt64(insn.bytes.count)
            switch try step(insn) {
            case let .fallThrough(change):
                work.append((next, delta + change))
            case .ret:
                try reached(delta)
            case let .jump(target):
                // A jump to the function's own entry or out of it is a tail
                // call: the callee returns through this frame's slot.
                if let t = target, code.contains(t), t != code.start { work.append((t, delta)) } else if target != nil {
                    try reached(delta)
                }
                // An indirect jump (a switch's table) ends this path; the
                // other paths still find the way out.
            case let .branch(target):
                work.append((next, delta))
                if code.contains(target) { work.append((target, delta)) } else { try reached(delta) }
            case .stop:
                continue
            }
        }
        guard let answer else { throw .noExit }
        return answer
    }

    enum Effect {
        case fallThrough(Int64)
        case ret
        case jump(UInt64?)
        case branch(UInt64)
        case stop
    }

    /// What one instruction does to the control flow and the stack pointer.
    static func step(_ i: Instruction) throws(Failure) -> Effect {
        var m = i.mnemonic
        for p in ["notrack ", "bnd ", "repz ", "rep "] where m.hasPrefix(p) { m = String(m.dropFirst(p.count)) }
        let ops = i.operands
        switch m {
        case "ret", "retq": return .ret
        case "jmp": return .jump(i.branchTarget)
        case "ud2", "hlt", "int3": return .stop
        case "call": return .fallThrough(0)
        case "push", "pushfq", "pushq": return .fallThrough(-8)
        case "pop", "popfq", "popq":
            if ops == "rsp" { throw .untracked(i.text) }
            return .fallThrough(8)
        case "leave", "enter": throw .untracked(i.text)
        default: break
        }
        if m.hasPrefix("j"), let t = i.branchTarget { return .branch(t) }
        if m.hasPrefix("j") { throw .untracked(i.text) }
        guard writesStackPointer(m, ops) else { return .fallThrough(0) }
        if let v = immediate(after: "rsp, ", in: ops) {
            if m == "sub" { return .fallThrough(-v) }
            if m == "add" { return .fallThrough(v) }
        }
        if m == "lea", ops.hasPrefix("rsp, [rsp") {
            let inner = ops.dropFirst("rsp, [rsp".count).dropLast()
            let t = inner.trimmingCharacters(in: " ")
            if t.isEmpty { return .fallThrough(0) }
            if t.hasPrefix("+ "), let v = number(String(t.dropFirst(2))) { return .fallThrough(v) }
            if t.hasPrefix("- "), let v = number(String(t.dropFirst(2))) { return .fallThrough(-v) }
        }
        throw .untracked(i.text)
    }

    /// Whether the instruction's destination is rsp (or a part of it).
    static func writesStackPointer(_ m: String, _ ops: String) -> Bool {
        guard !ops.isEmpty else { return false }
        let dest = ops.split(separator: ",", maxSplits: 1).first.map { $0.trimmingCharacters(in: " ") } ?? ""
        guard dest == "rsp" || dest == "esp" || dest == "sp" || dest == "spl" else { return false }
        // Compares and tests read it only.
        return !["cmp", "test", "bt"].contains(m)
    }

    static func immediate(after prefix: String, in ops: String) -> Int64? {
        guard ops.hasPrefix(prefix) else { return nil }
        return number(String(ops.dropFirst(prefix.count)))
    }

    static func number(_ s: String) -> Int64? {
        let t = s.trimmingCharacters(in: " ")
        if t.hasPrefix("0x") { return Int64(t.dropFirst(2), radix: 16) }
        if t.hasPrefix("-0x") { return Int64(t.dropFirst(3), radix: 16).map { -$0 } }
        return Int64(t)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}
