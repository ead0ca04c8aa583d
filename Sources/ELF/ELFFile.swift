/// A parsed, validated ELF64 little-endian x86-64 file.
///
/// Everything structural (headers, section names, symbol tables) is parsed
/// and validated eagerly in `init`, so once a value exists its tables can be
/// used without further error handling; only on-demand lookups that take
/// caller input (addresses, relocation sections) can still throw.
public struct ELFFile: Sendable {
    public let bytes: [UInt8]
    public let fileType: ELFFileType
    public let machine: UInt16
    public let entry: UInt64
    public let segments: [ProgramHeader]
    public let sections: [Section]
    /// .symtab, empty if the file is stripped.
    public let symbols: [Symbol]
    /// .dynsym, empty if the file has none.
    public let dynamicSymbols: [Symbol]

    /// Every symbol table keyed by its section index, so relocations can
    /// find theirs through sh_link without re-parsing.
    let symbolTables: [Int: [Symbol]]

    public init(bytes: [UInt8]) throws {
        let r = ByteReader(bytes)
        let header = try ELFHeader(r)
        let segments = try ProgramHeader.parseTable(r, header: header)
        let sections = try SectionTable.parse(r, header: header)

        var tables: [Int: [Symbol]] = [:]
        var symtab: [Symbol]?
        var dynsym: [Symbol]?
        for section in sections where section.type == Section.symtab || section.type == Section.dynsym {
            let parsed = try SymbolTable.parse(r, table: section, sections: sections)
            tables[section.index] = parsed
            // The ELF spec allows one of each; if a file has more, the first wins.
            if section.type == Section.symtab, symtab == nil { symtab = parsed }
            if section.type == Section.dynsym, dynsym == nil { dynsym = parsed }
        }

        self.bytes = bytes
        self.fileType = ELFFileType(rawValue: header.type)
        self.machine = header.machine
        self.entry = header.entry
        self.segments = segments
        self.sections = sections
        self.symbols = symtab ?? []
        self.dynamicSymbols = dynsym ?? []
        self.symbolTables = tables
    }

    /// True for ET_DYN (PIE executables and shared objects): the file's
    /// addresses are relative to a load base chosen at run time.
    public var isPositionIndependent: Bool { fileType == .sharedObject }

    /// The lowest PT_LOAD virtual address rounded down to that segment's
    /// alignment: the address the file expects its first byte mapped at.
    /// 0 for PIE and shared objects (their first segment starts at 0) and
    /// for files without PT_LOAD segments.
    public var loadBias: UInt64 {
        guard let lowest = segments.filter({ $0.type == ProgramHeader.load })
            .min(by: { $0.virtualAddress < $1.virtualAddress }) else { return 0 }
        let align = lowest.alignment
        // p_align of 0 or 1 means "no alignment"; a non-power-of-two is
        // invalid, but rounding with % stays well-defined for it.
        guard align > 1 else { return lowest.virtualAddress }
        return lowest.virtualAddress - lowest.virtualAddress % align
    }

    /// The first section with this exact name.
    public func section(named name: String) -> Section? {
        sections.first { $0.name == name }
    }

    /// The bytes of `section` in the file. Indices of the returned slice are
    /// file offsets (ArraySlice keeps its base's indices), not 0-based.
    /// SHT_NOBITS (and SHT_NULL) sections occupy no file bytes: empty slice.
    public func sectionData(_ section: Section) throws -> ArraySlice<UInt8> {
        guard section.hasFileContents else { return bytes[0..<0] }
        let r = ByteReader(bytes)
        let range = try r.range("contents of section '\(section.name)' (\(section.index))",
                                offset: section.offset, size: section.size)
        return bytes[range]
    }

    /// The symbols of the table that `section.link` names, e.g. for a RELA
    /// section. Empty if the link is not a symbol table.
    public func symbolTable(for section: Section) -> [Symbol] {
        symbolTables[Int(section.link)] ?? []
    }
}
