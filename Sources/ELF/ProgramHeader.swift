/// One ELF64 program header (segment). Only PT_LOAD segments matter for
/// mapping virtual addresses to file offsets; the rest are kept so callers
/// can find PT_NOTE, PT_DYNAMIC and PT_INTERP.
public struct ProgramHeader: Sendable, Equatable {
    public let type: UInt32
    public let flags: UInt32
    public let offset: UInt64
    public let virtualAddress: UInt64
    public let fileSize: UInt64
    public let memorySize: UInt64
    public let alignment: UInt64

    public static let load: UInt32 = 1
    public static let dynamic: UInt32 = 2
    public static let interp: UInt32 = 3
    public static let note: UInt32 = 4

    static let flagExecute: UInt32 = 1
    static let flagWrite: UInt32 = 2

    public var isExecutable: Bool { flags & ProgramHeader.flagExecute != 0 }
    public var isWritable: Bool { flags & ProgramHeader.flagWrite != 0 }

    public init(type: UInt32, flags: UInt32, offset: UInt64, virtualAddress: UInt64,
                fileSize: UInt64, memorySize: UInt64, alignment: UInt64) {
        self.type = type
        self.flags = flags
        self.offset = offset
        self.virtualAddress = virtualAddress
        self.fileSize = fileSize
        self.memorySize = memorySize
        self.alignment = alignment
    }

    /// Parses the program header table. The file-backed part of every
    /// segment is checked against the file here, once, so address lookups
    /// later can rely on it.
    static func parseTable(_ r: ByteReader, header h: ELFHeader) throws(ELFError) -> [ProgramHeader] {
        guard h.programHeaderCount > 0 else { return [] }
        guard h.programHeaderEntrySize == UInt16(ELFHeader.programHeaderEntrySize) else {
            throw .badEntrySize(what: "program header table (e_phentsize)",
                                expected: ELFHeader.programHeaderEntrySize,
                                found: UInt64(h.programHeaderEntrySize))
        }
        let tableSize = UInt64(h.programHeaderCount) * UInt64(ELFHeader.programHeaderEntrySize)
        let table = try r.range("program header table", offset: h.programHeaderOffset, size: tableSize)

        var result: [ProgramHeader] = []
        result.reserveCapacity(Int(h.programHeaderCount))
        for i in 0..<Int(h.programHeaderCount) {
            let base = table.lowerBound + i * ELFHeader.programHeaderEntrySize
            let what = "program header \(i)"
            let ph = ProgramHeader(
                type: try r.u32(what, at: base),
                flags: try r.u32(what, at: base + 4),
                offset: try r.u64(what, at: base + 8),
                virtualAddress: try r.u64(what, at: base + 16),
                fileSize: try r.u64(what, at: base + 32),
                memorySize: try r.u64(what, at: base + 40),
                alignment: try r.u64(what, at: base + 48))
            if ph.fileSize > 0 {
                _ = try r.range("contents of \(what) (type \(ph.type))", offset: ph.offset, size: ph.fileSize)
            }
            if ph.type == ProgramHeader.load {
                // Address lookups assume [vaddr, vaddr + memsz) is a plain
                // interval containing the file-backed part; refuse otherwise.
                guard ph.fileSize <= ph.memorySize else {
                    throw .badSegment(index: i, reason: "p_filesz \(ph.fileSize) exceeds p_memsz \(ph.memorySize)")
                }
                guard !ph.virtualAddress.addingReportingOverflow(ph.memorySize).overflow else {
                    throw .badSegment(
                        index: i,
                        reason:
                            "p_vaddr 0x\(String(ph.virtualAddress, radix: 16)) + p_memsz " +
                                "0x\(String(ph.memorySize, radix: 16)) wraps past 2^64"
                    )
                }
            }
            result.append(ph)
        }
        return result
    }
}
