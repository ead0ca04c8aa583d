import Hash
import Payload
import Target

/// Sorts every function of a payload into virgin, applied(P) or foreign by
/// reading the target. It never writes.
public struct Verifier {
    public let target: any Target
    public let registry: any RegistryView

    public init(target: any Target, registry: any RegistryView = EmptyRegistry()) {
        self.target = target
        self.registry = registry
    }

    /// The live entry address of a function, or why it cannot be located.
    public func locate(_ f: FunctionPatch) -> Result<(LoadedModule, UInt64), ForeignReason> {
        do {
            let m = try target.module(named: f.module)
            return .success((m, m.liveAddress(f.oldAddress)))
        } catch {
            return .failure(.moduleMissing(f.module.isEmpty ? "main executable" : f.module))
        }
    }

    /// Fails, naming the module, when a payload targets a module the target
    /// does not have: bad input rather than a mismatch.
    public func checkModules(_ file: PayloadFile) throws {
        for m in file.payload.modules { _ = try target.module(named: m) }
    }

    public func state(of f: FunctionPatch) -> (address: UInt64?, state: FunctionState) {
        states(of: [f])[0]
    }

    /// The states of several functions, their live bytes read in one batch.
    public func states(of functions: [FunctionPatch]) -> [(address: UInt64?, state: FunctionState)] {
        let located = functions.map { locate($0) }
        var ranges: [(address: UInt64, count: Int)] = []
        for (f, l) in zip(functions, located) { if case let .success((_, a)) = l { ranges.append((a, f.oldSize)) } }
        // One read for all; if one range fails, fall back to reading each so
        // that only the unreadable function is reported as such.
        var batch = (try? target.readMany(ranges)).map { $0[...] }
        return zip(functions, located).map { f, l in
            switch l {
            case let .failure(why): return (nil, .foreign(why))
            case let .success((m, a)):
                let live: [UInt8]
                if let first = batch?.popFirst() { live = first } else {
                    do { live = try target.read(a, count: f.oldSize) } catch { return (a, .foreign(.unreadable("\(error)"))) }
                }
                return (a, classify(f, module: m, entry: a, live: live))
            }
        }
    }

    private func classify(_ f: FunctionPatch, module: LoadedModule, entry: UInt64, live: [UInt8]) -> FunctionState {
        if !f.buildID.isEmpty, let found = module.buildID, found != f.buildID {
            let d = live == f.oldBytes ? nil : diff(expected: f.oldBytes, found: live, entry: entry)
            return .foreign(.buildIDMismatch(expected: f.buildID, found: found, diff: d))
        }
        if live == f.oldBytes { return .virgin }
        return classifyPatched(f, live: live, entry: entry)
    }

    private func classifyPatched(_ f: FunctionPatch, live: [UInt8], entry: UInt64) -> FunctionState {
        let site = PatchSite(oldBytes: f.oldBytes, entry: entry)
        let p = site.patchOffset
        guard let target = site.jumpTarget(in: live) else {
            return .foreign(.bytesDiffer(diff(expected: f.oldBytes, found: live, entry: entry)))
        }
        // The rest of the function must still be the expected old code.
        if let d = firstDifference(f.oldBytes, live, skipping: p..<(p + Trampoline.jumpSize)) {
            return .foreign(.tailModified(diff(expected: f.oldBytes, found: live, entry: entry, at: d)))
        }
        guard let top = registry.stack(atEntry: entry).last, top.replacementAddress == target,
              top.patchAddress == entry &+ UInt64(p) else {
            return .foreign(.unknownJump(target: target))
        }
        guard let code = try? self.target.read(top.replacementAddress, count: Int(top.replacementSize)),
              let h = try? SHA256.hash(code), h == top.replacementHash else {
            return .foreign(.replacementModified(payload: top.payloadID))
        }
        return .applied(top.payloadID)
    }

    public func verify(_ file: PayloadFile) -> PayloadReport {
        var rows: [FunctionReport] = []
        for (f, (addr, st)) in zip(file.payload.functions, states(of: file.payload.functions)) {
            let accepted = f.accepts(st)
            let beneath = addr.map { a in registry.stack(atEntry: a).contains { $0.payloadID == file.id } } ?? false
            rows.append(FunctionReport(function: f, address: addr, state: st, accepted: accepted,
                                       stateName: name(of: st), containsPayload: beneath))
        }
        return PayloadReport(name: file.payload.name, id: file.id, functions: rows)
    }

    private func name(of st: FunctionState) -> String? {
        if case let .applied(id) = st { return registry.payloadName(id) }
        return nil
    }

    // MARK: diffs

    func firstDifference(_ a: [UInt8], _ b: [UInt8], skipping: Range<Int>? = nil) -> Int? {
        for i in 0..<max(a.count, b.count) {
            if let s = skipping, s.contains(i) { continue }
            if i >= a.count || i >= b.count || a[i] != b[i] { return i }
        }
        return nil
    }

    func diff(expected: [UInt8], found: [UInt8], entry: UInt64, at given: Int? = nil) -> ByteDiff {
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
    private func instructionStart(in code: [UInt8], entry: UInt64, containing offset: Int, _ disassembler: Disassembler?) -> Int {
        guard let d = disassembler else { return max(0, offset - 4) }
        var start = 0
        for insn in d.decode(code, at: entry) {
            let o = Int(insn.address &- entry)
            if o > offset { break }
            start = o
        }
        return start
    }
}
