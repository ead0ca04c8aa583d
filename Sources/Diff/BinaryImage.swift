import ELF

/// The binary a payload is built against, with its symbols (from the file
/// itself, or from its separate debug file when the binary is stripped) and
/// the dynamic-link tables the proof follows (PLT entries, GOT slots).
public struct BinaryImage: Sendable {
    public let path: String
    public let file: ELFFile
    /// .symtab of the binary or of its debug file.
    public let symbols: [Symbol]
    public let symbolSource: String
    let functionsByName: [String: [Symbol]]
    let symbolsByAddress: [UInt64: [Symbol]]
    /// GOT slot address -> the dynamic symbol it is bound to (or a RELATIVE addend).
    let gotSlots: [UInt64: GotSlot]

    enum GotSlot: Sendable { case symbol(String), relative(UInt64) }

    public init(path: String, file: ELFFile, debug: (path: String, file: ELFFile)? = nil) throws(DiffError) {
        self.path = path
        self.file = file
        if let debug {
            guard let a = file.buildID, let b = debug.file.buildID, a == b else {
                throw .malformed(object: debug.path, why: "its build-id does not match \(path)'s; "
                    + "it is the debug file of another build")
            }
            symbols = debug.file.symbols
            symbolSource = debug.path
        } else {
            symbols = file.symbols
            symbolSource = path
        }
        guard !symbols.isEmpty else {
            throw .malformed(object: path, why: "the binary is stripped (no .symtab); pass its debug file "
                + "with --symbols (objcopy --only-keep-debug makes one)")
        }
        var byName: [String: [Symbol]] = [:], byAddress: [UInt64: [Symbol]] = [:]
        for s in symbols where s.isDefined && s.type != Symbol.typeSection && s.type != Symbol.typeFile {
            if s.type == Symbol.typeFunc { byName[s.name, default: []].append(s) }
            byAddress[s.value, default: []].append(s)
        }
        functionsByName = byName
        symbolsByAddress = byAddress
        var slots: [UInt64: GotSlot] = [:]
        for rela in file.sections where rela.type == Section.rela && rela.isAlloc {
            let table = file.symbolTable(for: rela)
            guard let entries = try? file.relocations(in: rela) else { continue }
            for r in entries {
                if r.type == 8 { slots[r.offset] = .relative(UInt64(bitPattern: r.addend)); continue }
                guard Int(r.symbolIndex) < table.count, r.symbolIndex != 0 else { continue }
                slots[r.offset] = .symbol(table[Int(r.symbolIndex)].name)
            }
        }
        gotSlots = slots
    }

    /// Defined functions of this name.
    func functions(named name: String) -> [Symbol] { functionsByName[name] ?? [] }

    /// Every function whose name, once the numbers GCC appends to clones are
    /// ignored, is the same as `name`'s (`f.constprop.0` ~ `f.constprop.3`,
    /// and an `.lto_priv.N` appended by LTO).
    func functions(likeClone name: String) -> [Symbol] {
        let key = CloneName.key(name)
        return functionsByName.filter { CloneName.key($0.key) == key }.flatMap(\.value)
    }

    func symbols(at address: UInt64) -> [Symbol] { symbolsByAddress[address] ?? [] }

    func bytes(at address: UInt64, count: Int) -> [UInt8]? {
        try? file.bytes(atVirtualAddress: address, count: count)
    }

    /// The section holding a virtual address.
    func section(containing address: UInt64) -> Section? {
        file.sections.first {
            $0.isAlloc && address >= $0.address && address - $0.address < $0.size
        }
    }

    /// The name of the dynamic symbol a PLT entry jumps to, found by decoding
    /// its `jmp *slot(%rip)` and looking the slot up in the dynamic relocations.
    func pltTarget(at address: UInt64) -> String? {
        guard let sec = section(containing: address), sec.name.hasPrefix(".plt"),
              let code = bytes(at: address, count: 16) else { return nil }
        for i in 0..<(code.count - 5) where code[i] == 0xff && code[i + 1] == 0x25 {
            let disp = Int32(bitPattern: UInt32(code[i + 2]) | UInt32(code[i + 3]) << 8
                | UInt32(code[i + 4]) << 16 | UInt32(code[i + 5]) << 24)
            let slot = address &+ UInt64(i + 6) &+ UInt64(bitPattern: Int64(disp))
            if case let .symbol(name)? = gotSlots[slot] { return name }
            return nil
        }
        return nil
    }
}

/// GCC's clone suffixes: `.constprop.N`, `.isra.N`, `.part.N`, `.cold`,
/// `.lto_priv.N`, possibly stacked.
public enum CloneName {
    static let markers = ["constprop", "isra", "part", "cold", "lto_priv", "localalias", "clone"]

    /// The name with the numbers of clone suffixes dropped, and without
    /// `.lto_priv.N` (which LTO adds to statics it promotes).
    static func key(_ name: String) -> String {
        var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        var i = 0
        while i < parts.count {
            let p = parts[i]
            if i > 0, markers.contains(p) {
                if p != "lto_priv" { out.append(p) }
                if i + 1 < parts.count, parts[i + 1].allSatisfy(\.isNumber) { i += 1 }
            } else {
                out.append(p)
            }
            i += 1
        }
        parts = out
        return parts.joined(separator: ".")
    }

    /// True for a name GCC made for a clone or a split part.
    public static func isClone(_ name: String) -> Bool {
        name.split(separator: ".").dropFirst().contains { markers.contains(String($0)) }
    }

    /// The function a clone was made from: `f` for `f.constprop.0`.
    public static func origin(_ name: String) -> String {
        String(name.split(separator: ".", maxSplits: 1).first ?? Substring(name))
    }
}
