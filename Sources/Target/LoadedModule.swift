import ELF
import Foundation

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

    /// DT_SONAME, or the file name for a library that has none.
    public let soname: String
    /// The GNU build-id, read once (the verifier asks for every function).
    public let buildID: [UInt8]?
    private let index: SymbolIndex

    public init(path: String, isMain: Bool, bias: UInt64, elf: ELFFile, start: UInt64, end: UInt64) {
        self.init(path: path, isMain: isMain, bias: bias, elf: elf, start: start, end: end, index: SymbolIndex(elf))
    }

    init(path: String, isMain: Bool, bias: UInt64, elf: ELFFile, start: UInt64, end: UInt64, index: SymbolIndex) {
        self.path = path
        self.isMain = isMain
        self.bias = bias
        self.elf = elf
        self.start = start
        self.end = end
        self.soname = elf.soname ?? String(path.split(separator: "/").last ?? Substring(path))
        self.buildID = elf.buildID
        self.index = index
    }

    public func liveAddress(_ linkAddress: UInt64) -> UInt64 { linkAddress &+ bias }

    /// Finds a symbol by name: a global first; else the static from `file`
    /// (or the only static of that name when `file` is empty).
    public func symbol(named name: String, file: String) -> Symbol? {
        let defs = index.definitions(named: name).filter {
            $0.type != Symbol.typeSection && $0.type != Symbol.typeFile && $0.sectionIndex < 0xff00
        }
        if file.isEmpty {
            if let g = defs.first(where: { $0.binding != Symbol.bindLocal }) { return g }
            let locals = defs.filter { $0.binding == Symbol.bindLocal }
            let distinct = Set(locals.map(\.value))
            return distinct.count == 1 ? locals.first : nil
        }
        return defs.first {
            $0.binding == Symbol.bindLocal && ($0.file == file || ($0.file?.hasSuffix("/" + file) ?? false))
        }
    }

    /// An exported definition, for references that leave the patched module.
    public func exportedSymbol(named name: String) -> Symbol? {
        index.exports(named: name).first {
            $0.binding != Symbol.bindLocal && $0.sectionIndex < 0xff00
        }
    }
}

/// Defined symbols by name, built on first use: a module's tables are read
/// once however many relocations name them. A class so that the copies of a
/// module value, and the modules of every target that maps the same file
/// (see `MappedFileCache`), share one index; locked, as targets examined on
/// different threads may share it.
final class SymbolIndex: @unchecked Sendable {
    private let elf: ELFFile
    private let lock = NSLock()
    private var all: [String: [Symbol]]?
    private var dynamic: [String: [Symbol]]?

    init(_ elf: ELFFile) { self.elf = elf }

    /// Definitions in .symtab and .dynsym.
    func definitions(named name: String) -> [Symbol] {
        lock.lock()
        defer { lock.unlock() }
        if all == nil { all = Self.group(elf.symbols + elf.dynamicSymbols) }
        return all?[name] ?? []
    }

    /// Definitions in .dynsym: what other modules can link against.
    func exports(named name: String) -> [Symbol] {
        lock.lock()
        defer { lock.unlock() }
        if dynamic == nil { dynamic = Self.group(elf.dynamicSymbols) }
        return dynamic?[name] ?? []
    }

    private static func group(_ symbols: [Symbol]) -> [String: [Symbol]] {
        var d: [String: [Symbol]] = [:]
        for s in symbols where s.isDefined { d[s.name, default: []].append(s) }
        return d
    }
}
