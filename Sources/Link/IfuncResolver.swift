import ELF
import Target

/// The implementation an IFUNC's resolver chose in the target, read from a
/// GOT slot that the target's dynamic linker already filled: the defining
/// module's own R_X86_64_IRELATIVE slot for that resolver, or any module's
/// GLOB_DAT / JUMP_SLOT / 64 slot for that name that points into the
/// defining module. xsplice never runs the resolver itself.
struct IfuncResolver {
    let memory: any Memory
    let scope: [LoadedModule]

    static let rGlobDat: UInt32 = 6
    static let rJumpSlot: UInt32 = 7
    static let r64: UInt32 = 1
    static let rIRelative: UInt32 = 37

    struct Choice {
        let address: UInt64
        /// Where the answer was read, for the reason shown.
        let evidence: String
    }

    func implementation(of def: Symbol, in owner: LoadedModule) throws -> Choice? {
        let resolver = owner.liveAddress(def.value)
        var found: [Choice] = []
        for m in [owner] + scope.filter({ $0.start != owner.start }) {
            for rela in m.elf.sections where rela.type == Section.rela && rela.isAlloc {
                let symbols = m.elf.symbolTable(for: rela)
                guard let relocs = try? m.elf.relocations(in: rela) else { continue }
                for r in relocs {
                    let mine: Bool
                    switch r.type {
                    case Self.rIRelative:
                        mine = m.start == owner.start && UInt64(bitPattern: r.addend) == def.value
                    case Self.rGlobDat, Self.rJumpSlot, Self.r64:
                        mine = Int(r.symbolIndex) < symbols.count && symbols[Int(r.symbolIndex)].name == def.name
                            && r.addend == 0
                    default: mine = false
                    }
                    guard mine else { continue }
                    let slot = m.liveAddress(r.offset)
                    let value = LinkMap.le(try memory.read(slot, count: 8), 0)
                    guard value != resolver, isCode(value, of: owner) else { continue }
                    let at = "\(m.isMain ? "(main)" : m.soname) GOT slot 0x\(String(slot, radix: 16))"
                    found.append(Choice(address: value, evidence: "IFUNC, resolved by the target (\(at))"))
                }
            }
        }
        guard let first = found.first else { return nil }
        // Slots disagreeing would mean a resolver that answers differently per caller: do not guess.
        guard found.allSatisfy({ $0.address == first.address }) else { return nil }
        return first
    }

    /// Inside an executable segment of the owner, and not its own PLT (an
    /// unresolved lazy slot points there).
    private func isCode(_ address: UInt64, of m: LoadedModule) -> Bool {
        let link = address &- m.bias
        let inText = m.elf.segments.contains {
            $0.type == ProgramHeader.load && $0.isExecutable && link >= $0.virtualAddress
                && link < $0.virtualAddress &+ $0.memorySize
        }
        let inPLT = m.elf.sections.contains {
            $0.name.hasPrefix(".plt") && link >= $0.address && link < $0.address &+ $0.size
        }
        return inText && !inPLT
    }
}
