/// One ELF64 symbol with its name resolved from the linked string table.
public struct Symbol: Sendable, Equatable {
    public let index: Int
    public let name: String
    public let value: UInt64
    public let size: UInt64
    /// STT_* (low nibble of st_info).
    public let type: UInt8
    /// STB_* (high nibble of st_info).
    public let binding: UInt8
    /// STV_* (low two bits of st_other).
    public let visibility: UInt8
    /// st_shndx: a section index, SHN_UNDEF (0), or a reserved value such
    /// as SHN_ABS (0xfff1) / SHN_COMMON (0xfff2).
    public let sectionIndex: UInt16
    /// For LOCAL symbols of .symtab: the name of the nearest preceding
    /// STT_FILE symbol, i.e. the source file a static symbol came from, so
    /// two `static` functions with the same name can be told apart. nil for
    /// globals, for FILE symbols themselves, when that FILE name is empty
    /// (linker-generated locals), and for .dynsym.
    public let file: String?

    public static let typeNoType: UInt8 = 0
    public static let typeObject: UInt8 = 1
    public static let typeFunc: UInt8 = 2
    public static let typeSection: UInt8 = 3
    public static let typeFile: UInt8 = 4

    public static let bindLocal: UInt8 = 0
    public static let bindGlobal: UInt8 = 1
    public static let bindWeak: UInt8 = 2

    static let entrySize = 24
    static let shnUndef: UInt16 = 0
    /// Start of the reserved st_shndx range; values from here up are not
    /// section indices and so are not range-checked against e_shnum.
    static let shnLoReserve: UInt16 = 0xff00
    static let shnXIndex: UInt16 = 0xffff

    public var isDefined: Bool { sectionIndex != Symbol.shnUndef }

    public init(index: Int, name: String, value: UInt64, size: UInt64, type: UInt8,
                binding: UInt8, visibility: UInt8, sectionIndex: UInt16, file: String?) {
        self.index = index
        self.name = name
        self.value = value
        self.size = size
        self.type = type
        self.binding = binding
        self.visibility = visibility
        self.sectionIndex = sectionIndex
        self.file = file
    }
}
