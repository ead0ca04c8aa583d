/// The fixed 64-byte ELF64 file header, validated for the one flavour this
/// reader supports: ELF64, little-endian, version 1, x86-64.
struct ELFHeader: Sendable {
    static let size = 64
    static let programHeaderEntrySize = 56
    static let sectionHeaderEntrySize = 64

    /// e_phnum value meaning "the real count is in section 0's sh_info".
    static let pnXNum: UInt16 = 0xffff
    /// e_shstrndx value meaning "the real index is in section 0's sh_link".
    static let shnXIndex: UInt16 = 0xffff
    static let emX86_64: UInt16 = 62

    let type: UInt16
    let machine: UInt16
    let entry: UInt64
    let programHeaderOffset: UInt64
    let sectionHeaderOffset: UInt64
    let programHeaderEntrySize: UInt16
    let programHeaderCount: UInt16
    let sectionHeaderEntrySize: UInt16
    let sectionHeaderCount: UInt16
    let sectionNameTableIndex: UInt16

    init(_ r: ByteReader) throws(ELFError) {
        // Check identity before size so a short non-ELF file says "not ELF"
        // rather than "too small", which would send the operator the wrong way.
        guard r.count >= 4 else { throw .tooSmall(needed: ELFHeader.size, found: r.count) }
        guard r.bytes[0] == 0x7f, r.bytes[1] == 0x45, r.bytes[2] == 0x4c, r.bytes[3] == 0x46 else {
            throw .badMagic
        }
        guard r.count >= ELFHeader.size else { throw .tooSmall(needed: ELFHeader.size, found: r.count) }
        guard r.bytes[4] == 2 else { throw .notELF64 }
        guard r.bytes[5] == 1 else { throw .notLittleEndian }
        guard r.bytes[6] == 1 else { throw .unsupportedVersion }

        type = try r.u16("e_type", at: 16)
        machine = try r.u16("e_machine", at: 18)
        guard machine == ELFHeader.emX86_64 else { throw .unsupportedMachine(machine) }
        guard try r.u32("e_version", at: 20) == 1 else { throw .unsupportedVersion }
        entry = try r.u64("e_entry", at: 24)
        programHeaderOffset = try r.u64("e_phoff", at: 32)
        sectionHeaderOffset = try r.u64("e_shoff", at: 40)
        let headerSize = try r.u16("e_ehsize", at: 52)
        guard headerSize == ELFHeader.size else {
            throw .badEntrySize(what: "ELF header (e_ehsize)", expected: ELFHeader.size, found: UInt64(headerSize))
        }
        programHeaderEntrySize = try r.u16("e_phentsize", at: 54)
        programHeaderCount = try r.u16("e_phnum", at: 56)
        sectionHeaderEntrySize = try r.u16("e_shentsize", at: 58)
        sectionHeaderCount = try r.u16("e_shnum", at: 60)
        sectionNameTableIndex = try r.u16("e_shstrndx", at: 62)

        guard programHeaderCount != ELFHeader.pnXNum else {
            throw .extendedNumbering(what: "program header count (e_phnum)")
        }
        // e_shnum == 0 with a section table present means the real count
        // lives in section 0; we refuse rather than guess.
        guard !(sectionHeaderCount == 0 && sectionHeaderOffset != 0) else {
            throw .extendedNumbering(what: "section header count (e_shnum)")
        }
        guard sectionNameTableIndex != ELFHeader.shnXIndex else {
            throw .extendedNumbering(what: "section name table index (e_shstrndx)")
        }
    }
}
