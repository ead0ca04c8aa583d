/// Parsing of SHT_SYMTAB / SHT_DYNSYM sections.
enum SymbolTable {
    /// Parses every symbol of `table`, resolving names through the string
    /// table named by its sh_link.
    static func parse(_ r: ByteReader, table: Section, sections: [Section]) throws(ELFError) -> [Symbol] {
        let what = "symbol table '\(table.name)' (section \(table.index))"
        let (range, count) = try r.table(what, offset: table.offset, size: table.size,
                                         entrySize: Symbol.entrySize, declaredEntrySize: table.entrySize)
        let names = try linkedStringTable(r, of: table, sections: sections, what: what)
        // Only .symtab carries STT_FILE markers meaningfully; .dynsym has none.
        let tracksFiles = table.type == Section.symtab

        var symbols: [Symbol] = []
        symbols.reserveCapacity(count)
        var currentFile: String?
        for i in 0..<count {
            let base = range.lowerBound + i * Symbol.entrySize
            let entry = "symbol \(i) of \(what)"
            let nameIndex = try r.u32(entry, at: base)
            let info = try r.u8(entry, at: base + 4)
            let other = try r.u8(entry, at: base + 5)
            let shndx = try r.u16(entry, at: base + 6)
            let value = try r.u64(entry, at: base + 8)
            let size = try r.u64(entry, at: base + 16)

            guard shndx != Symbol.shnXIndex else {
                throw .extendedNumbering(what: "section index (st_shndx) of \(entry)")
            }
            if shndx != Symbol.shnUndef, shndx < Symbol.shnLoReserve, Int(shndx) >= sections.count {
                throw .badSectionIndex(what: "st_shndx of \(entry)", index: UInt32(shndx),
                                       sectionCount: sections.count)
            }
            let name = try names.string(at: nameIndex, what: "name of \(entry) (st_name)")
            let type = info & 0xf
            let binding = info >> 4

            var file: String?
            if tracksFiles {
                if type == Symbol.typeFile {
                    currentFile = name.isEmpty ? nil : name
                } else if binding == Symbol.bindLocal {
                    file = currentFile
                }
            }
            symbols.append(Symbol(index: i, name: name, value: value, size: size, type: type,
                                  binding: binding, visibility: other & 0x3,
                                  sectionIndex: shndx, file: file))
        }
        return symbols
    }

    /// The SHT_STRTAB section named by `section.link`, validated.
    static func linkedStringTable(_ r: ByteReader, of section: Section, sections: [Section],
                                  what: String) throws(ELFError) -> StringTable {
        let link = Int(section.link)
        guard link > 0, link < sections.count else {
            throw .badSectionIndex(what: "string table link (sh_link) of \(what)",
                                   index: section.link, sectionCount: sections.count)
        }
        let strtab = sections[link]
        guard strtab.type == Section.strtab else {
            throw .badSectionType(what: "string table link (sh_link) of \(what)", index: link,
                                  expected: Section.strtab, found: strtab.type)
        }
        let range = try r.range("string table '\(strtab.name)' (section \(link))",
                                offset: strtab.offset, size: strtab.size)
        return StringTable(reader: r, range: range)
    }
}
