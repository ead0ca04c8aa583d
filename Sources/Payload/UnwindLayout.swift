import ELF

/// The new code's unwind information: the FDEs of every code section that
/// travels and the CIEs they name, copied from the object's `.eh_frame` with
/// their relocations (start address, LSDA, personality), so that exceptions
/// and backtraces pass through the new code once `apply` registers it.
extension SectionLayout {
    /// `DW.ref.<symbol>` words are constant pointers the compiler emits for the
    /// unwinder (the personality routine, the type_info objects of `catch`
    /// clauses). They sit in writable sections only so the dynamic linker can
    /// fill them in; no program writes them, so they travel as read-only data.
    static func isUnwinderConstant(_ s: Section) -> Bool {
        s.name.hasPrefix(".data.rel.local.DW.ref.") || s.name.hasPrefix(".data.DW.ref.")
            || s.name.hasPrefix(".data.rel.DW.ref.")
    }

    /// Adds (or rebuilds, once more code was pulled in) the unwind section.
    /// Without a `.eh_frame` in the object, or without an FDE for any code
    /// that travels, the payload has none, as before.
    mutating func includeUnwind() throws {
        guard let eh = object.sections.first(where: { $0.name == ".eh_frame" && $0.isAlloc }) else { return }
        let bytes = Array(try object.sectionData(eh))
        let records: EhFrameRecords
        do { records = try EhFrameRecords(bytes) } catch {
            throw BuildError.badUnwind(section: eh.name, offset: error.offset, reason: error.reason)
        }
        var relocs: [Int: (Relocation, Symbol)] = [:]
        for rela in object.relocationSections(applyingTo: eh.index) {
            let table = object.symbolTable(for: rela)
            for r in try object.relocations(in: rela) {
                guard Int(r.symbolIndex) < table.count, let at = Int(exactly: r.offset) else {
                    throw BuildError.badSymbolReference(section: eh.name, offset: r.offset,
                                                        reason: "symbol #\(r.symbolIndex) is outside the symbol table")
                }
                relocs[at] = (r, table[Int(r.symbolIndex)])
            }
        }
        let code = Set(indexOf.filter { sections[Int($0.value)].kind == .code }.map(\.key))
        // An FDE travels when its start address lies in code that travels.
        let fdes = records.records.filter { rec in
            guard rec.cie != nil, let (_, sym) = relocs[rec.offset + 8] else { return false }
            return code.contains(Int(sym.sectionIndex))
        }
        guard !fdes.isEmpty else { return }
        let cies = Set(fdes.compactMap(\.cie))
        var out: [UInt8] = []
        var outRelocs: [PayloadRelocation] = []
        var newOffset: [Int: Int] = [:]
        for rec in records.records where cies.contains(rec.offset) || fdes.contains(rec) {
            let at = out.count
            newOffset[rec.offset] = at
            out += bytes[rec.offset..<(rec.offset + rec.size)]
            if let cie = rec.cie, let newCIE = newOffset[cie] {
                let pointer = UInt32(at + 4 - newCIE)
                for i in 0..<4 { out[at + 4 + i] = UInt8(truncatingIfNeeded: pointer >> (8 * UInt32(i))) }
            }
            for o in rec.offset..<(rec.offset + rec.size) {
                guard let (r, sym) = relocs[o] else { continue }
                guard let type = RelocationType(rawValue: r.type) else {
                    throw BuildError.unsupportedRelocation(type: r.type, section: eh.name, offset: r.offset)
                }
                let place = Place(section: eh, offset: r.offset, type: type, user: "\(eh.name) of the new code")
                let (target, addend) = try unwindTarget(sym, addend: r.addend, at: place)
                outRelocs.append(PayloadRelocation(offset: UInt64(at + o - rec.offset), type: type, addend: addend,
                                                   target: target))
            }
        }
        out += [0, 0, 0, 0]
        let section = LoadSection(name: eh.name, kind: .unwindFrames, alignment: 8, bytes: out, relocations: outRelocs)
        if let i = sections.firstIndex(where: { $0.kind == .unwindFrames }) {
            sections[i] = section
        } else {
            sections.append(section)
        }
    }

    /// A start address goes to the loaded new code itself (never to the
    /// old function, as a call would); anything else binds as the code's
    /// own references do, pulling in the LSDA and `DW.ref` words it names.
    private mutating func unwindTarget(_ sym: Symbol, addend: Int64,
                                       at place: Place) throws -> (RelocationTarget, Int64) {
        if sym.isDefined, let p = indexOf[Int(sym.sectionIndex)] {
            let extra = sym.type == Symbol.typeSection ? 0 : Int64(bitPattern: sym.value)
            return (.section(p), addend &+ extra)
        }
        if sym.isDefined, Int(sym.sectionIndex) < object.sections.count, sym.sectionIndex > 0,
           object.sections[Int(sym.sectionIndex)].isExecutable {
            throw BuildError.badUnwind(section: place.section.name, offset: Int(place.offset),
                                       reason: "a reference to code that does not travel (\(sym.name))")
        }
        return try bind(sym, addend: addend, at: place)
    }
}
