import OldCodeCheck
import Target

extension ReturnWaiter {
    /// For every busy thread, the return address to hijack. Only a thread's
    /// own frames can be waited out: any other finding (a signal frame, a
    /// saved context, memory that could not be read) makes waiting useless.
    func plan(_ world: StoppedWorld, findings: [BusyThread], busy: [BusyRange],
              held: Set<Int32>) throws -> [Hijack] {
        try checkShadowStack()
        let maps = try target.maps()
        let code = try functions()
        var cache: [UInt64: FrameExit.Code] = [:]
        var starts: [Int32: [(pc: UInt64, sp: UInt64)]] = [:]
        for f in findings {
            switch f.reason {
            case .executing(let ip):
                starts[f.tid, default: []].insert((ip, try world.registers(f.tid).rsp), at: 0)
            case let .onStack(slot, value):
                // A word that is no return address (a pointer a frame keeps)
                // starts nothing; if it outlives the wait, the check says so.
                if isReturnAddress(value, maps: maps) { starts[f.tid, default: []].append((value, slot + 8)) }
            default:
                throw CannotWait(why: "\(f.sentence), which returning cannot end")
            }
        }
        var out: [Hijack] = []
        for tid in world.threads.sorted() where !held.contains(tid) {
            // The instruction pointer first, then the innermost frames.
            guard let points = starts[tid]?.sorted(by: { $0.sp < $1.sp }) else { continue }
            let rsp = try world.registers(tid).rsp
            guard let stack = maps.first(where: { $0.contains(rsp) }) else {
                throw CannotWait(why: "thread \(tid)'s stack pointer is in no mapping")
            }
            var last = "thread \(tid) uses the code in a way that is not a frame"
            var found: Hijack?
            for s in points.prefix(8) {
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
