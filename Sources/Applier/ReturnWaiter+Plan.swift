import OldCodeCheck
import Target

extension ReturnWaiter {
    /// For every busy thread, the return address to hijack. A thread that is
    /// busy in a way this cannot follow makes the whole wait impossible.
    func plan(_ world: StoppedWorld, busy: [BusyRange], held: Set<Int32>) throws -> [Hijack] {
        try checkShadowStack()
        let maps = try target.maps()
        let code = try functions()
        var cache: [UInt64: FrameExit.Code] = [:]
        var out: [Hijack] = []
        for tid in world.threads where !held.contains(tid) {
            let regs = try world.registers(tid)
            guard let stack = maps.first(where: { $0.contains(regs.rsp) }) else {
                throw CannotWait(why: "thread \(tid)'s stack pointer is in no mapping")
            }
            let starts = try startingPoints(pc: regs.rip, sp: regs.rsp, stack: stack, busy: busy)
            guard !starts.isEmpty else { continue }
            var last = "thread \(tid) uses the code in a way that is not a frame"
            var found: Hijack?
            for s in starts {
                do {
                    found = try exit(tid: tid, pc: s.pc, sp: s.sp, stack: stack, busy: busy, code: code,
                                     maps: maps, cache: &cache)
                    break
                } catch let e as CannotWait { last = e.why }
            }
            guard let found else { throw CannotWait(why: last) }
            out.append(found)
        }
        return out
    }

    /// Where a thread's use of the busy code starts: its instruction
    /// pointer, or the lowest return addresses into the code on its stack.
    private func startingPoints(pc: UInt64, sp: UInt64, stack: MapEntry, busy: [BusyRange]) throws
        -> [(pc: UInt64, sp: UInt64)] {
        var out: [(pc: UInt64, sp: UInt64)] = []
        if busy.contains(where: { $0.range.contains(pc) }) { out.append((pc, sp)) }
        let from = sp & ~7
        guard from < stack.end, let count = Int(exactly: stack.end - from) else { return out }
        let bytes = try target.read(from, count: count)
        var i = 0
        while i + 8 <= bytes.count, out.count < 8 {
            let v = Self.word(Array(bytes[i..<(i + 8)]))
            if busy.contains(where: { $0.range.contains(v) && v != $0.range.lowerBound }) {
                out.append((v, from + UInt64(i) + 8))
            }
            i += 8
        }
        return out
    }

    /// Follows frames outward from (pc, sp) until a return address leads
    /// out of the busy code; that one is hijacked.
    private func exit(tid: Int32, pc start: UInt64, sp startSP: UInt64, stack: MapEntry, busy: [BusyRange],
                      code: [BusyRange], maps: [MapEntry], cache: inout [UInt64: FrameExit.Code]) throws -> Hijack {
        var pc = start
        var sp = startSP
        for _ in 0..<Self.maxChain {
            guard let fn = code.first(where: { $0.range.contains(pc) }) else {
                throw CannotWait(why: "0x\(String(pc, radix: 16)) is in no function whose bounds xsplice knows")
            }
            let c: FrameExit.Code
            if let hit = cache[fn.range.lowerBound] { c = hit } else {
                let bytes = try target.read(fn.range.lowerBound, count: fn.range.count)
                c = FrameExit.Code(start: fn.range.lowerBound, bytes: bytes)
                cache[fn.range.lowerBound] = c
            }
            let offset: Int64
            do {
                offset = try FrameExit.returnSlotOffset(from: pc, in: c, disassembler: disassembler)
            } catch {
                throw CannotWait(why: "in \(fn.name), \(error)")
            }
            let slot = sp &+ UInt64(clamping: offset)
            guard offset >= 0, offset % 8 == 0, slot >= sp, slot >= stack.start, slot < stack.end - 7 else {
                throw CannotWait(why: "\(fn.name)'s return address would lie outside thread \(tid)'s stack")
            }
            let value = Self.word(try target.read(slot, count: 8))
            guard isReturnAddress(value, maps: maps) else {
                throw CannotWait(why: "the word where \(fn.name)'s return address should be is not one")
            }
            if busy.contains(where: { $0.range.contains(value) }) {
                pc = value
                sp = slot + 8
                continue
            }
            return Hijack(tid: tid, slot: slot, original: value, function: fn.name)
        }
        throw CannotWait(why: "thread \(tid) is more than \(Self.maxChain) frames deep in the busy code")
    }

    /// Whether `v` is in executable memory right after a call instruction.
    func isReturnAddress(_ v: UInt64, maps: [MapEntry]) -> Bool {
        guard v >= 16, let m = maps.first(where: { $0.contains(v) }), m.isExecutable, v - 16 >= m.start,
              let before = try? target.read(v - 16, count: 16) else { return false }
        for length in 2...7 {
            let at = v - UInt64(length)
            let i = disassembler.decode(Array(before[(16 - length)...]), at: at, limit: 1)
            if let insn = i.first, insn.mnemonic.hasSuffix("call"), insn.bytes.count == length { return true }
        }
        return false
    }

    /// Hijacking a return address is wrong under a hardware shadow stack.
    private func checkShadowStack() throws {
        guard let text = try? ProcFile.text("/proc/\(target.pid)/status"),
              let features = ProcFile.field("x86_Thread_features", in: text) else { return }
        if features.contains("shstk") {
            throw CannotWait(why: "the process uses a shadow stack, whose return addresses cannot be redirected")
        }
    }
}
