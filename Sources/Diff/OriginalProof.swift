import ELF

/// Proves that a function of the original object is the binary's function:
/// the same size, the same bytes outside relocated fields, and every
/// relocated field landing on the binary's own definition of what the
/// object refers to. This is what pairs a clone or a static of the object
/// with the binary's, never its name alone.
struct OriginalProof {
    let unit: ObjectUnit
    let binary: BinaryImage

    /// A binary function that the object's function was proved to be.
    struct Proven: Sendable {
        var symbol: Symbol
    }

    private struct Mismatch { var offset: UInt64?; var what: String }

    /// The binary's copy of `f`, nil when the binary has no function that
    /// could be it (inlined everywhere, or dropped by the linker).
    func prove(_ f: ObjectFunction) throws(DiffError) -> Proven? {
        var seen = Set<UInt64>()
        // Same name and source file first: the mismatch reported is then
        // the one with the function the user means.
        let candidates = (binary.functions(named: f.name) + binary.functions(likeClone: f.name))
            .filter { $0.size > 0 && seen.insert($0.value).inserted }
            .sorted { rank($0, f) < rank($1, f) }
        guard !candidates.isEmpty else { return nil }
        var passed: [Symbol] = []
        var firstMismatch: (Symbol, Mismatch)?
        for c in candidates {
            if let m = try check(f, against: c) {
                if firstMismatch == nil { firstMismatch = (c, m) }
            } else {
                passed.append(c)
            }
        }
        if passed.count > 1 {
            let same = passed.filter { sameFile($0) }
            if !same.isEmpty { passed = same }
        }
        if passed.count == 1, let p = passed.first { return Proven(symbol: p) }
        if passed.count > 1 {
            throw .proofFailed(ProofFailure(function: f.name, object: unit.path, binary: binary.path, address: nil,
                offset: nil, what: "\(passed.count) functions of the binary are identical to it ("
                    + passed.map { "0x" + String($0.value, radix: 16) }.joined(separator: ", ") + ")",
                hint: "Name the source file in the object as in the binary (compile it from the same path)"))
        }
        let (c, m) = firstMismatch ?? (candidates[0], Mismatch(offset: nil, what: "no candidate"))
        throw .proofFailed(ProofFailure(function: f.name, object: unit.path, binary: binary.path, address: c.value,
            offset: m.offset, what: m.what,
            hint: BuildFlags.hint(object: unit.file, objectPath: unit.path, binary: debugFiles,
                                  sizes: m.offset == nil && c.size != f.size ? (f.size, c.size) : nil)))
    }

    private var debugFiles: [ELFFile] { [binary.file] }

    private func sameFile(_ s: Symbol) -> Bool {
        guard let file = unit.sourceFile, let theirs = s.file else { return false }
        return theirs == file || file.hasSuffix("/" + theirs) || theirs.hasSuffix("/" + file)
    }

    private func rank(_ s: Symbol, _ f: ObjectFunction) -> Int {
        (s.name == f.name ? 0 : 2) + (sameFile(s) ? 0 : 1)
    }

    private func check(_ f: ObjectFunction, against c: Symbol) throws(DiffError) -> Mismatch? {
        guard c.size == f.size else {
            return Mismatch(offset: nil, what: "it is \(f.size) bytes in the object and \(c.size) in the binary")
        }
        guard f.size == f.section.size, f.size <= UInt64(DiffLimits.maxSectionSize) else {
            throw .malformed(object: unit.path, why: "function \(f.name) claims \(f.size) bytes in a section of "
                + "\(f.section.size)")
        }
        guard let live = binary.bytes(at: c.value, count: Int(c.size)) else {
            return Mismatch(offset: nil, what: "its bytes are not in the binary's file-backed segments")
        }
        let mine = try unit.contents(f.section)
        let relocs = try unit.relocations(of: f.section.index)
        var covered = [Bool](repeating: false, count: mine.count)
        for r in relocs {
            guard let w = RelocationKind.width(r.type) else {
                return Mismatch(offset: r.offset, what: "relocation type \(r.type) cannot be checked")
            }
            guard r.offset <= UInt64(mine.count), UInt64(w) <= UInt64(mine.count) - r.offset else {
                return Mismatch(offset: r.offset, what: "a relocation runs past the end")
            }
            let lo = Int(r.offset)
            for i in lo..<lo + w { covered[i] = true }
            // The linker may turn `mov foo@GOTPCREL(%rip)` into `lea foo(%rip)`.
            if RelocationKind.isGOT(r.type), lo >= 2, mine[lo - 2] == 0x8b, live[lo - 2] == 0x8d {
                covered[lo - 2] = true
            }
        }
        for i in 0..<mine.count where !covered[i] && mine[i] != live[i] {
            return Mismatch(offset: UInt64(i), what: "the object has 0x\(String(mine[i], radix: 16)), the binary "
                + "0x\(String(live[i], radix: 16))")
        }
        for r in relocs {
            if let why = try landing(r, in: f, at: c.value, live: live, mine: mine) {
                return Mismatch(offset: r.offset, what: why)
            }
        }
        return nil
    }

    /// Nil when the relocated field lands where the object says; else why not.
    private func landing(_ r: Relocation, in f: ObjectFunction, at base: UInt64, live: [UInt8],
                         mine: [UInt8]) throws(DiffError) -> String? {
        let sym = try unit.symbol(r.symbolIndex)
        let o = Int(r.offset)
        let place = base &+ r.offset
        let field32 = Int64(Int32(bitPattern: UInt32(live[o]) | UInt32(live[o + 1]) << 8
            | UInt32(live[o + 2]) << 16 | UInt32(live[o + 3]) << 24))
        let target: UInt64
        switch r.type {
        case RelocationKind.pc32, RelocationKind.plt32:
            target = UInt64(bitPattern: Int64(bitPattern: place) &+ field32 &- r.addend)
        case RelocationKind.gotpcrel, RelocationKind.gotpcrelx, RelocationKind.rexGotpcrelx:
            let at = UInt64(bitPattern: Int64(bitPattern: place) &+ field32 &- r.addend)
            if o >= 2, mine[o - 2] == 0x8b, live[o - 2] == 0x8d {
                target = at
            } else {
                return gotSlot(at, holds: sym)
            }
        case RelocationKind.abs32s:
            target = UInt64(bitPattern: field32 &- r.addend)
        case RelocationKind.abs32:
            target = UInt64(UInt32(truncatingIfNeeded: field32)) &- UInt64(bitPattern: r.addend)
        default:
            return "relocation type \(r.type) to \(sym.name) cannot be checked against the binary"
        }
        return try lands(target, on: sym, addend: r.addend, self: f, base: base)
    }

    private func gotSlot(_ slot: UInt64, holds sym: Symbol) -> String? {
        switch binary.gotSlots[slot] {
        case let .symbol(name)? where name == sym.name: return nil
        case let .relative(value)?:
            if binary.symbols(at: value).contains(where: { $0.name == sym.name }) { return nil }
            return "its GOT slot points at 0x\(String(value, radix: 16)), not at \(sym.name)"
        default: return "it reads a GOT slot that is not \(sym.name)'s"
        }
    }

    /// Does the binary address `target` stand for the object's `sym`?
    private func lands(_ target: UInt64, on sym: Symbol, addend: Int64, self f: ObjectFunction,
                       base: UInt64) throws(DiffError) -> String? {
        let hex = "0x" + String(target, radix: 16)
        guard sym.isDefined else {
            if binary.symbols(at: target).contains(where: { $0.name == sym.name }) { return nil }
            if binary.pltTarget(at: target) == sym.name { return nil }
            return "it refers to \(hex), which is not \(sym.name) (nor its PLT entry)"
        }
        guard let section = unit.section(sym.sectionIndex) else { return "\(sym.name) is in no section" }
        // A shared library calls its own exported (interposable) functions
        // through their PLT entries, as the dynamic linker binds them.
        if sym.binding != Symbol.bindLocal, sym.type == Symbol.typeFunc, binary.pltTarget(at: target) == sym.name {
            return nil
        }
        // The address the binary gave the object's section, or its symbol.
        let sectionStart = target &- sym.value
        if section.isExecutable {
            guard let g = unit.file.symbols.first(where: {
                $0.sectionIndex == sym.sectionIndex && $0.type == Symbol.typeFunc
            })
            else { return "it refers into \(section.name), which holds no function" }
            let at = sectionStart &+ g.value
            if g.name == f.name { return at == base ? nil : "it refers to itself at \(hex), not at its own start" }
            let found = binary.symbols(at: at).filter { $0.type == Symbol.typeFunc && $0.size == g.size }
            if found.contains(where: { $0.name == g.name || CloneName.key($0.name) == CloneName.key(g.name) }) {
                return nil
            }
            return "it calls or jumps to 0x\(String(at, radix: 16)), which is not \(g.name) (\(g.size) bytes)"
        }
        if section.isWritable {
            let owners = unit.file.symbols.filter {
                $0.sectionIndex == sym.sectionIndex && $0.type == Symbol.typeObject
            }
            if owners.isEmpty {
                return binary.section(containing: target).map { $0.isWritable } == true ? nil
                    : "it refers to \(hex), which is not writable data"
            }
            for v in owners where binary.symbols(at: sectionStart &+ v.value).contains(where: { $0.name == v.name }) {
                return nil
            }
            return "it refers to \(hex), which is not variable \(owners.map(\.name).joined(separator: "/"))"
        }
        let data = try unit.contents(section)
        if section.flags & Fingerprinter.mergeFlag != 0 {
            let (literal, from) = sym.type == Symbol.typeSection
                ? (target &+ UInt64(bitPattern: addend), Int64(bitPattern: sym.value) &+ addend)
                : (target, Int64(bitPattern: sym.value))
            guard from >= 0, from < Int64(data.count) else { return "it refers past the end of \(section.name)" }
            let start = Int(from)
            let want: [UInt8]
            if section.flags & Fingerprinter.stringsFlag != 0 {
                let end = data[start...].firstIndex(of: 0).map { $0 + 1 } ?? data.count
                want = Array(data[start..<end])
            } else {
                want = Array(data[start..<min(data.count, start + max(1, Int(min(section.entrySize, 64))))])
            }
            return binary.bytes(at: literal, count: want.count) == want ? nil
                : "the literal it reads at 0x\(String(literal, radix: 16)) is not the object's"
        }
        guard let got = binary.bytes(at: sectionStart, count: data.count) else {
            return "it refers to \(hex), outside the binary's file-backed data"
        }
        var masked = data, theirs = got
        for r in try unit.relocations(of: section.index) {
            let w = RelocationKind.width(r.type) ?? 8
            guard r.offset < UInt64(data.count) else { continue }
            for i in Int(r.offset)..<min(data.count, Int(r.offset) + w) { masked[i] = 0; theirs[i] = 0 }
        }
        return masked == theirs ? nil
            : "the constant data it reads at \(hex) (\(section.name)) differs from the object's"
    }
}
