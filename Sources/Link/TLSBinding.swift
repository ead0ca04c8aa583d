import ELF
import Payload
import Target

/// Thread-local variables bind to their offset from the thread pointer as
/// the target lays out static TLS (x86-64 variant II: blocks below the
/// thread pointer). Only the executable's TLS (at the offset the static
/// linker assumed when it linked the program's own local-exec code) and a
/// library's static TLS (at the offset the dynamic linker wrote into an
/// initial-exec GOT slot in this process) have such an offset; a variable
/// reached only through __tls_get_addr (general or local dynamic) does not,
/// and is refused.
extension Linker {
    static let ptTLS: UInt32 = 7
    static let tpoff64: UInt32 = 18

    func bindTLS(_ target: RelocationTarget, scope: [LoadedModule]) throws -> Binding {
        let owner: LoadedModule
        let symbol: Symbol
        let ref = target.description
        switch target {
        case .section:
            throw LinkError.tls(symbol: ref, module: moduleName, reason: "a section of the payload is no "
                + "thread-local variable")
        case let .internal(name, file, address):
            guard let s = module.symbol(named: name, file: file), s.value == address else {
                let found = module.symbol(named: name, file: file)?.value
                throw LinkError.changedModule(symbol: ref, expected: address, found: found, module: moduleName)
            }
            (owner, symbol) = (module, s)
        case let .symbol(name, file):
            if let s = module.symbol(named: name, file: file) {
                (owner, symbol) = (module, s)
            } else if let found = DynamicLookup(scope: scope).find(name) {
                (owner, symbol) = (found.module, found.symbol)
            } else {
                throw LinkError.unresolved(symbol: ref, module: moduleName,
                                           searched: scope.map { $0.isMain ? "(main)" : $0.soname })
            }
        }
        let ownerName = owner.isMain ? "(main)" : owner.soname
        guard symbol.type == DynamicLookup.typeTLS else {
            throw LinkError.tls(symbol: ref, module: ownerName, reason: "it is not a thread-local variable "
                + "there (symbol type \(symbol.type))")
        }
        let offset: Int64
        let how: String
        if owner.isMain {
            offset = try Self.executableOffset(of: symbol, in: owner, ref: ref)
            how = "the executable's TLS block, below the thread pointer"
        } else {
            offset = try Self.slotOffset(of: symbol, owner: owner, modules: try allModules(), memory: memory, ref: ref)
            how = "static TLS of \(ownerName), as its initial-exec GOT slot holds it in this process"
        }
        return Binding(reference: ref, kind: .tls, module: ownerName, definition: symbol.name,
                       address: UInt64(bitPattern: offset), reason: "thread-pointer offset \(offset): "
                           + "\(how)", isData: true)
    }

    /// The executable's block ends at the thread pointer; its size is the TLS
    /// segment's, rounded up to its alignment (what ld computes for the
    /// program's own local-exec accesses, so the new code agrees with the old).
    static func executableOffset(of s: Symbol, in m: LoadedModule, ref: String) throws -> Int64 {
        guard let tls = m.elf.segments.first(where: { $0.type == ptTLS }) else {
            throw LinkError.tls(symbol: ref, module: "(main)", reason: "the executable has no PT_TLS segment")
        }
        let align = max(tls.alignment, 1)
        let (padded, overflow) = tls.memorySize.addingReportingOverflow(align - 1)
        guard !overflow, s.value < tls.memorySize, padded < UInt64(Int64.max) else {
            throw LinkError.tls(symbol: ref, module: "(main)", reason: "its offset \(s.value) lies outside the "
                + "TLS segment of \(tls.memorySize) bytes")
        }
        let size = padded / align * align
        return Int64(s.value) - Int64(size)
    }

    /// A library's variable in static TLS: some module's GOT slot filled by
    /// the dynamic linker (R_X86_64_TPOFF64 naming the variable, or the
    /// library's own slot naming its block plus the variable's offset).
    /// Every such slot must agree.
    static func slotOffset(of s: Symbol, owner: LoadedModule, modules: [LoadedModule], memory: any Memory,
                           ref: String) throws -> Int64 {
        var values = Set<Int64>()
        for m in modules {
            for rela in m.elf.sections where rela.type == Section.rela && rela.name == ".rela.dyn" {
                let table = m.elf.symbolTable(for: rela)
                for r in (try? m.elf.relocations(in: rela)) ?? [] where r.type == tpoff64 {
                    let named = Int(r.symbolIndex) < table.count && r.symbolIndex != 0
                        && table[Int(r.symbolIndex)].name == s.name && r.addend == 0
                    let own = m.start == owner.start && r.symbolIndex == 0 && r.addend == Int64(bitPattern: s.value)
                    guard named || own else { continue }
                    let slot = try memory.read(m.liveAddress(r.offset), count: 8)
                    let word = slot.enumerated().reduce(UInt64(0)) {
                        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                    }
                    values.insert(Int64(bitPattern: word))
                }
            }
        }
        guard let v = values.first else {
            throw LinkError.tls(symbol: ref, module: owner.soname, reason: "no module of the process reaches it "
                + "initial-exec (no TPOFF64 GOT slot), so it may not be in static TLS; xsplice binds only the "
                + "initial-exec and local-exec models: build the fix as the program accesses the variable "
                + "(-ftls-model=initial-exec)")
        }
        guard values.count == 1, v < 0 else {
            throw LinkError.tls(symbol: ref, module: owner.soname, reason: "its GOT slots disagree or are not "
                + "filled (\(values.sorted()))")
        }
        return v
    }
}
