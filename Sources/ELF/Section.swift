/// One ELF64 section header with its name resolved from .shstrtab.
public struct Section: Sendable, Equatable {
    public let index: Int
    public let name: String
    public let type: UInt32
    public let flags: UInt64
    public let address: UInt64
    public let offset: UInt64
    public let size: UInt64
    public let link: UInt32
    public let info: UInt32
    public let alignment: UInt64
    public let entrySize: UInt64

    public static let null: UInt32 = 0
    public static let progbits: UInt32 = 1
    public static let symtab: UInt32 = 2
    public static let strtab: UInt32 = 3
    public static let rela: UInt32 = 4
    public static let dynamic: UInt32 = 6
    public static let note: UInt32 = 7
    public static let nobits: UInt32 = 8
    public static let dynsym: UInt32 = 11

    static let flagWrite: UInt64 = 0x1
    static let flagAlloc: UInt64 = 0x2
    static let flagExecInstr: UInt64 = 0x4

    public var isAlloc: Bool { flags & Section.flagAlloc != 0 }
    public var isExecutable: Bool { flags & Section.flagExecInstr != 0 }
    public var isWritable: Bool { flags & Section.flagWrite != 0 }

    public init(index: Int, name: String, type: UInt32, flags: UInt64, address: UInt64,
                offset: UInt64, size: UInt64, link: UInt32, info: UInt32,
                alignment: UInt64, entrySize: UInt64) {
        self.index = index
        self.name = name
        self.type = type
        self.flags = flags
        self.address = address
        self.offset = offset
        self.size = size
        self.link = link
        self.info = info
        self.alignment = alignment
        self.entrySize = entrySize
    }

    /// SHT_NULL and SHT_NOBITS sections occupy no file bytes; their offset
    /// and size say nothing about the file and must not be bounds-checked.
    var hasFileContents: Bool { type != Section.null && type != Section.nobits }
}
