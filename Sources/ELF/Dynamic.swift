/// The dynamic section (Elf64_Dyn entries), used for DT_SONAME.
extension ELFFile {
    static let dtNull: UInt64 = 0
    static let dtStrtab: UInt64 = 5
    static let dtStrsz: UInt64 = 10
    static let dtSoname: UInt64 = 14
    static let dynamicEntrySize = 16

    /// DT_SONAME, resolved in the dynamic string table. nil if the file
    /// has no dynamic section, no DT_SONAME, or the entry is malformed
    /// (a patcher can fall back to the path; it should not fail on this).
    public var soname: String? {
        let r = ByteReader(bytes)
        // Prefer the .dynamic section: its sh_link names .dynstr directly.
        // Fall back to PT_DYNAMIC (section headers may be stripped), where
        // the string table is found through DT_STRTAB / DT_STRSZ.
        if let section = sections.first(where: { $0.type == Section.dynamic }),
           let range = try? r.range("dynamic section", offset: section.offset, size: section.size) {
            let entries = dynamicEntries(r, range)
            guard let name = entries.first(where: { $0.tag == ELFFile.dtSoname })?.value,
                  let strings = try? SymbolTable.linkedStringTable(r, of: section, sections: sections,
                                                                   what: "dynamic section"),
                  let index = UInt32(exactly: name) else { return nil }
            return try? strings.string(at: index, what: "DT_SONAME")
        }
        guard let segment = segments.first(where: { $0.type == ProgramHeader.dynamic }),
              let range = try? r.range("PT_DYNAMIC", offset: segment.offset, size: segment.fileSize)
        else { return nil }
        let entries = dynamicEntries(r, range)
        guard let name = entries.first(where: { $0.tag == ELFFile.dtSoname })?.value,
              let address = entries.first(where: { $0.tag == ELFFile.dtStrtab })?.value,
              let size = entries.first(where: { $0.tag == ELFFile.dtStrsz })?.value,
              let start = try? fileOffset(forVirtualAddress: address, count: size),
              let range = try? r.range("DT_STRTAB", offset: UInt64(start), size: size),
              let index = UInt32(exactly: name) else { return nil }
        return try? StringTable(reader: r, range: range).string(at: index, what: "DT_SONAME")
    }

    /// Entries up to DT_NULL (or the end of the area, if it has none).
    private func dynamicEntries(_ r: ByteReader, _ range: Range<Int>) -> [(tag: UInt64, value: UInt64)] {
        var entries: [(tag: UInt64, value: UInt64)] = []
        var cursor = range.lowerBound
        while range.upperBound - cursor >= ELFFile.dynamicEntrySize {
            guard let tag = try? r.u64("dynamic entry", at: cursor),
                  let value = try? r.u64("dynamic entry", at: cursor + 8),
                  tag != ELFFile.dtNull else { break }
            entries.append((tag, value))
            cursor += ELFFile.dynamicEntrySize
        }
        return entries
    }
}
