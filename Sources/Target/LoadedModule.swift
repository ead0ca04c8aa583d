import ELF

/// An ELF file as it is mapped in a target: where it starts and its symbols.
public struct LoadedModule: Sendable {
    public let path: String
    public let isMain: Bool
    /// Added to a link-time address to get the live address (0 for non-PIE).
    public let bias: UInt64
    public let elf: ELFFile
    /// The lowest and highest live addresses the module maps.
    public let start: UInt64
    public let end: UInt64

    public init(path: String, isMain: Bool, bias: UInt64, elf: ELFFile, start: UInt64, end: UInt64) {
        self.path = path
        self.isMain = isMain
        self.bias = bias
        self.elf = elf
        self.start = start
        self.end = end
    }

    /// DT_SONAME, or the file name for a library that has none.
    public var soname: String {
        elf.soname ?? String(path.split(separator: "/").last ?? Substring(path))
    }

    public func liveAddress(_ linkAddress: UInt64) -> UInt64 { linkAddress &+ bias }

    /// Finds a symbol by name: a global first; else the static from `file`
    /// (or the only static of that name when `file` is empty).
    public func symbol(named name: String, file: String) -> Symbol? {
        let defs = (elf.symbols + elf.dynamicSymbols).filter {
            $0.name == name && $0.isDefined && $0.type != Symbol.typeSection && $0.type != Symbol.typeFile
                && $0.sectionIndex < 0xff00
        }
        if file.isEmpty {
            if let g = defs.first(where: { $0.binding != Symbol.bindLocal }) { return g }
            let locals = defs.filter { $0.binding == Symbol.bindLocal }
            let distinct = Set(locals.map(\.value))
            return distinct.count == 1 ? locals.first : nil
        }
        return defs.first { $0.binding == Symbol.bindLocal && ($0.file == file || ($0.file?.hasSuffix("/" + file) ?? false)) }
    }

    /// An exported definition, for references that leave the patched module.
    public func exportedSymbol(named name: String) -> Symbol? {
        elf.dynamicSymbols.first {
            $0.name == name && $0.isDefined && $0.binding != Symbol.bindLocal && $0.sectionIndex < 0xff00
        }
    }
}
