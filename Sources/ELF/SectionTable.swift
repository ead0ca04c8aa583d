/// Parsing of the section header table and its names.
enum SectionTable {
    /// Raw header fields before names are resolved (names need .shstrtab,
    /// which is itself one of these headers).
    private struct Raw {
        let nameIndex: UInt32
        let type: UInt32
        let flags: UInt64
        let address: UInt64
        let offset: UInt64
        let size: UInt64
        let link: UInt32
        let info: UInt32
        let alignment: UInt64
        let entrySize: UInt64
    }

    static func parse(_ r: ByteReader, header h: ELFHeader) throws(ELFError) -> [Section] {
        let count = Int(h.sectionHeaderCount)
        guard count > 0 else { return [] }
        guard h.sectionHeaderEntrySize == UInt16(ELFHeader.sectionHeaderEntrySize) else {
            throw .badEntrySize(what: "section header table (e_shentsize)",
                                expected: ELFHeader.sectionHeaderEntrySize,
                                found: UInt64(h.sectionHeaderEntrySize))
        }
        let tableSize = UInt64(count) * UInt64(ELFHeader.sectionHeaderEntrySize)
        let table = try r.range("section header table", offset: h.sectionHeaderOffset, size: tableSize)

        var raws: [Raw] = []
        raws.reserveCapacity(count)
        for i in 0..<count {
            let base = table.lowerBound + i * ELFHeader.sectionHeaderEntrySize
            let what = "section header \(i)"
            let raw = Raw(
                nameIndex: try r.u32(what, at: base),
                type: try r.u32(what, at: base + 4),
                flags: try r.u64(what, at: base + 8),
                address: try r.u64(what, at: base + 16),
                offset: try r.u64(what, at: base + 24),
                size: try r.u64(what, at: base + 32),
                link: try r.u32(what, at: base + 40),
                info: try r.u32(what, at: base + 44),
                alignment: try r.u64(what, at: base + 48),
                entrySize: try r.u64(what, at: base + 56))
            if raw.type != Section.null && raw.type != Section.nobits {
                _ = try r.range("contents of section \(i)", offset: raw.offset, size: raw.size)
            }
            raws.append(raw)
        }

        // SHN_UNDEF means "no section names"; every section is then nameless.
        let namesIndex = Int(h.sectionNameTableIndex)
        var names: StringTable?
        if namesIndex != 0 {
            guard namesIndex < count else {
                throw .badSectionIndex(what: "section name table (e_shstrndx)",
                                       index: UInt32(namesIndex), sectionCount: count)
            }
            let s = raws[namesIndex]
            guard s.type == Section.strtab else {
                throw .badSectionType(what: "section name table (e_shstrndx)", index: namesIndex,
                                      expected: Section.strtab, found: s.type)
            }
            let range = try r.range("section name table", offset: s.offset, size: s.size)
            names = StringTable(reader: r, range: range)
        }

        var sections: [Section] = []
        sections.reserveCapacity(count)
        for (i, raw) in raws.enumerated() {
            var name = ""
            if let names {
                name = try names.string(at: raw.nameIndex, what: "name of section \(i) (sh_name)")
            }
            sections.append(Section(
                index: i, name: name, type: raw.type, flags: raw.flags, address: raw.address,
                offset: raw.offset, size: raw.size, link: raw.link, info: raw.info,
                alignment: raw.alignment, entrySize: raw.entrySize))
        }
        return sections
    }
}
