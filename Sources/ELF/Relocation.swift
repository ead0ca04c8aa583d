/// One ELF64 RELA entry (Elf64_Rela), with r_info split into its parts.
public struct Relocation: Sendable, Equatable {
    public let offset: UInt64
    /// R_X86_64_* (low 32 bits of r_info).
    public let type: UInt32
    /// Index into the symbol table named by the RELA section's sh_link.
    public let symbolIndex: UInt32
    public let addend: Int64

    static let entrySize = 24

    public init(offset: UInt64, type: UInt32, symbolIndex: UInt32, addend: Int64) {
        self.offset = offset
        self.type = type
        self.symbolIndex = symbolIndex
        self.addend = addend
    }
}
