/// Everything that can go wrong while reading an ELF file.
///
/// A live patcher reads files it did not produce, so a malformed or hostile
/// file must surface as one of these values rather than a trap. Each case
/// carries enough context for `description` to tell an operator what was
/// expected, what was found and what to do about it.
public enum ELFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read from disk at all.
    case unreadable(path: String, reason: String)
    /// The buffer is shorter than the fixed-size structure at its start.
    case tooSmall(needed: Int, found: Int)
    /// The first four bytes are not 0x7F 'E' 'L' 'F'.
    case badMagic
    /// EI_CLASS is not ELFCLASS64.
    case notELF64
    /// EI_DATA is not ELFDATA2LSB.
    case notLittleEndian
    /// e_machine is not EM_X86_64.
    case unsupportedMachine(UInt16)
    /// EI_VERSION or e_version is not EV_CURRENT.
    case unsupportedVersion
    /// A structure named `what` claims bytes [offset, offset+size) that are
    /// not inside the file (or whose end does not fit in 64 bits).
    case outOfBounds(what: String, offset: UInt64, size: UInt64, fileSize: Int)
    /// A name offset points outside its string table, or the string runs to
    /// the table's end without a terminating NUL.
    case badStringIndex(what: String, index: UInt32, tableSize: UInt64)
    /// A string is not valid UTF-8; names are compared as Swift strings, so
    /// silently repairing them could make two different symbols compare equal.
    case badString(what: String, offset: UInt64)
    /// A section index (e_shstrndx, sh_link, st_shndx, ...) names no section.
    case badSectionIndex(what: String, index: UInt32, sectionCount: Int)
    /// A section has a type other than the one its role requires.
    case badSectionType(what: String, index: Int, expected: UInt32, found: UInt32)
    /// A table's entry size is not the one this reader understands.
    case badEntrySize(what: String, expected: Int, found: UInt64)
    /// A table's byte size is not a whole number of entries.
    case badTableSize(what: String, size: UInt64, entrySize: UInt64)
    /// A PT_LOAD segment is self-inconsistent: its memory range wraps past
    /// 2^64, or it claims more file bytes than memory bytes.
    case badSegment(index: Int, reason: String)
    /// A relocation names a symbol beyond the end of its symbol table.
    case badSymbolIndex(what: String, index: UInt32, symbolCount: Int)
    /// The file uses extended numbering (PN_XNUM / SHN_XINDEX), which this
    /// reader deliberately does not support.
    case extendedNumbering(what: String)
    /// No PT_LOAD segment's file-backed part holds the whole requested range.
    case addressNotMapped(UInt64)
    /// A caller asked for a negative number of bytes.
    case invalidCount(Int)
    /// A caller asked for a section by name that the file does not have.
    case noSuchSection(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read ELF file '\(path)': \(reason); check the path exists and is readable"
        case let .tooSmall(needed, found):
            return
                "file too small for an ELF64 header: needed \(needed) bytes, found \(found); the file is truncated " +
                    "or not an ELF file"
        case .badMagic:
            return
                "not an ELF file: expected magic 7f 45 4c 46 ('\\x7fELF') at offset 0; pass an ELF executable, " +
                    "shared object or .o"
        case .notELF64:
            return "unsupported ELF class: expected ELFCLASS64 (2); 32-bit ELF files are not supported"
        case .notLittleEndian:
            return
                "unsupported ELF byte order: expected little-endian (ELFDATA2LSB, 1); only x86-64 files are supported"
        case let .unsupportedMachine(m):
            return "unsupported machine \(m): expected EM_X86_64 (62); only x86-64 files are supported"
        case .unsupportedVersion:
            return "unsupported ELF version: expected EV_CURRENT (1) in EI_VERSION and e_version; the file is corrupt"
        case let .outOfBounds(what, offset, size, fileSize):
            return
                "\(what) lies outside the file: bytes at offset \(hex(offset)) of size \(hex(size)), but the file " +
                    "has \(fileSize) bytes; the file is truncated or corrupt"
        case let .badStringIndex(what, index, tableSize):
            return
                "\(what): string offset \(index) is not a NUL-terminated string inside its \(tableSize)-byte string " +
                    "table; the file is corrupt"
        case let .badString(what, offset):
            return "\(what): string at offset \(hex(offset)) is not valid UTF-8; the file is corrupt"
        case let .badSectionIndex(what, index, count):
            return
                "\(what): section index \(index) is out of range (the file has \(count) sections); the file is corrupt"
        case let .badSectionType(what, index, expected, found):
            return "\(what): section \(index) has type \(found), expected \(expected); the file is corrupt"
        case let .badEntrySize(what, expected, found):
            return "\(what): entry size is \(found), expected \(expected); the file is corrupt or not x86-64 ELF64"
        case let .badTableSize(what, size, entrySize):
            return "\(what): size \(size) is not a multiple of the entry size \(entrySize); the file is corrupt"
        case let .badSegment(index, reason):
            return "program header \(index) (PT_LOAD) is invalid: \(reason); the file is corrupt"
        case let .badSymbolIndex(what, index, count):
            return
                "\(what): symbol index \(index) is out of range (the symbol table has \(count) entries); the file is " +
                    "corrupt"
        case let .extendedNumbering(what):
            return
                "\(what) uses ELF extended numbering (PN_XNUM/SHN_XINDEX), which is not supported; files with 65280+ " +
                    "sections or segments cannot be read"
        case let .addressNotMapped(address):
            return
                "virtual address \(hex(address)) is not backed by file contents in any PT_LOAD segment; check the " +
                    "address belongs to this file"
        case let .invalidCount(count):
            return "invalid byte count \(count): expected a count of zero or more"
        case let .noSuchSection(name):
            return "the file has no section named '\(name)'; it may be stripped or built without it"
        }
    }
}

private func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
