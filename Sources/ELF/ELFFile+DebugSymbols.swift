/// A stripped binary seen with the symbols of its separate debug file.
extension ELFFile {
    /// This file (its bytes, segments, sections and dynamic symbols) with
    /// `symbols` as its .symtab: those of its separate debug file
    /// (`objcopy --only-keep-debug`), whose addresses are the same. The
    /// caller checks that the two files share a build-id.
    public func withSymbols(_ symbols: [Symbol]) -> ELFFile {
        ELFFile(copying: self, symbols: symbols)
    }

    private init(copying other: ELFFile, symbols: [Symbol]) {
        bytes = other.bytes
        fileType = other.fileType
        machine = other.machine
        entry = other.entry
        segments = other.segments
        sections = other.sections
        self.symbols = symbols
        dynamicSymbols = other.dynamicSymbols
        symbolTables = other.symbolTables
    }

    /// The file named by `.gnu_debuglink` (its CRC is not checked: the
    /// build-id is, by the caller).
    public var debugLink: String? {
        guard let s = section(named: ".gnu_debuglink"), let data = try? sectionData(s),
              let end = data.firstIndex(of: 0), end > data.startIndex else { return nil }
        return String(decoding: data[data.startIndex..<end], as: UTF8.self)
    }
}
