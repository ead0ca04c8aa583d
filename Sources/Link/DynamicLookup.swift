import ELF
import Target

/// Finds the definition the dynamic linker would bind an unversioned
/// reference to: the first module of the lookup scope that exports the name
/// in its default version (`name@@V`, not a hidden `name@V`), weak or not.
struct DynamicLookup {
    let scope: [LoadedModule]

    struct Found {
        let module: LoadedModule
        let symbol: Symbol
    }

    static let typeTLS: UInt8 = 6
    static let typeIFunc: UInt8 = 10
    static let versymHidden: UInt16 = 0x8000
    static let shtGNUVersym: UInt32 = 0x6fff_ffff

    func find(_ name: String) -> Found? {
        // A non-PIE executable that takes a library function's address has a
        // canonical PLT entry for it (an undefined symbol with a value): the
        // dynamic linker makes every address reference use it, so pointers
        // compare equal; calls through it reach the same function.
        if let main = scope.first, main.isMain, main.bias == 0,
           let s = main.elf.dynamicSymbols.first(where: {
               $0.name == name && !$0.isDefined && $0.value != 0 && $0.type == Symbol.typeFunc
           }) {
            return Found(module: main, symbol: s)
        }
        for m in scope {
            let versions = Self.versions(of: m.elf)
            for s in m.elf.dynamicSymbols where s.name == name && s.isDefined && s.sectionIndex < 0xff00 {
                guard s.binding != Symbol.bindLocal, s.visibility == 0 || s.visibility == 3 else { continue }
                if let v = versions, s.index < v.count {
                    // 0 is a local symbol; a hidden version is for old binaries that asked for it by name.
                    if v[s.index] == 0 || v[s.index] & Self.versymHidden != 0 { continue }
                }
                return Found(module: m, symbol: s)
            }
        }
        return nil
    }

    /// The .gnu.version entries, one per .dynsym symbol; nil without versions.
    static func versions(of elf: ELFFile) -> [UInt16]? {
        guard let s = elf.sections.first(where: { $0.type == shtGNUVersym }),
              let data = try? elf.sectionData(s) else { return nil }
        var out: [UInt16] = []
        out.reserveCapacity(data.count / 2)
        var i = data.startIndex
        while i + 1 < data.endIndex {
            out.append(UInt16(data[i]) | UInt16(data[i + 1]) << 8)
            i += 2
        }
        return out
    }
}
