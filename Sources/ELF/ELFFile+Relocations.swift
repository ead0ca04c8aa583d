/// Access to SHT_RELA sections. Parsed on demand rather than in init:
/// large binaries carry many relocations and most callers need only those
/// of a few sections.
extension ELFFile {
    /// SHT_RELA sections whose sh_info names `sectionIndex` as the section
    /// they patch.
    public func relocationSections(applyingTo sectionIndex: Int) -> [Section] {
        sections.filter { $0.type == Section.rela && Int($0.info) == sectionIndex }
    }

    /// The entries of a SHT_RELA section. Each symbol index is checked
    /// against the symbol table named by sh_link (when there is one), so
    /// callers can index `symbolTable(for:)` with it safely.
    public func relocations(in relaSection: Section) throws -> [Relocation] {
        let what = "relocation section '\(relaSection.name)' (section \(relaSection.index))"
        guard relaSection.type == Section.rela else {
            throw ELFError.badSectionType(what: what, index: relaSection.index,
                                          expected: Section.rela, found: relaSection.type)
        }
        let r = ByteReader(bytes)
        let (range, count) = try r.table(what, offset: relaSection.offset, size: relaSection.size,
                                         entrySize: Relocation.entrySize,
                                         declaredEntrySize: relaSection.entrySize)
        // sh_link 0 is legal for relocations that reference no symbols.
        let symbols: [Symbol]? = relaSection.link == 0 ? nil : symbolTables[Int(relaSection.link)]
        if relaSection.link != 0, symbols == nil {
            throw ELFError.badSectionIndex(what: "symbol table link (sh_link) of \(what)",
                                           index: relaSection.link, sectionCount: sections.count)
        }

        var result: [Relocation] = []
        result.reserveCapacity(count)
        for i in 0..<count {
            let base = range.lowerBound + i * Relocation.entrySize
            let entry = "relocation \(i) of \(what)"
            let offset = try r.u64(entry, at: base)
            let info = try r.u64(entry, at: base + 8)
            let addend = Int64(bitPattern: try r.u64(entry, at: base + 16))
            let symbolIndex = UInt32(truncatingIfNeeded: info >> 32)
            if let symbols, Int(symbolIndex) >= symbols.count {
                throw ELFError.badSymbolIndex(what: entry, index: symbolIndex, symbolCount: symbols.count)
            }
            result.append(Relocation(offset: offset, type: UInt32(truncatingIfNeeded: info),
                                     symbolIndex: symbolIndex, addend: addend))
        }
        return result
    }
}
