import ELF

/// A relocatable object compiled with -ffunction-sections -fdata-sections:
/// its functions, each alone in its own section, and its variables.
public struct ObjectUnit: Sendable {
    public let path: String
    public let file: ELFFile
    /// Defined functions by name (a translation unit has one of each name).
    public let functions: [String: ObjectFunction]
    /// Defined variables (STT_OBJECT) by name.
    public let variables: [String: Symbol]

    public init(path: String, file: ELFFile) throws(DiffError) {
        self.path = path
        self.file = file
        guard file.fileType == .relocatable else { throw .notRelocatable(path) }
        let hasCode = file.sections.contains { $0.isExecutable && $0.size > 0 }
        if !hasCode, file.sections.contains(where: { $0.name.hasPrefix(".gnu.lto_") }) { throw .ltoOnly(path) }

        var functions: [String: ObjectFunction] = [:]
        var variables: [String: Symbol] = [:]
        for s in file.symbols where s.isDefined && Int(s.sectionIndex) < file.sections.count {
            if s.type == Symbol.typeObject { variables[s.name] = s; continue }
            guard s.type == Symbol.typeFunc else { continue }
            let section = file.sections[Int(s.sectionIndex)]
            let sharing = file.symbols.filter { $0.sectionIndex == s.sectionIndex && $0.type == Symbol.typeFunc }
            guard s.value == 0, sharing.allSatisfy({ $0.value == 0 && $0.size == s.size }) else {
                throw .notFunctionSections(object: path, function: s.name, section: section.name)
            }
            // Aliases (`__attribute__((alias))`, C++ C1/C2 and D1/D2) are one
            // function with several names, at one address in the binary too:
            // it is compared, proved and patched once, under one name.
            guard Self.primary(sharing)?.index == s.index else { continue }
            guard functions[s.name] == nil else {
                throw .malformed(object: path, why: "two functions are named \(s.name)")
            }
            functions[s.name] = ObjectFunction(symbol: s, section: section)
        }
        self.functions = functions
        self.variables = variables
    }

    /// The name an aliased function goes by: the same choice for the
    /// original and the fixed object (global first, then the shortest name).
    static func primary(_ aliases: [Symbol]) -> Symbol? {
        aliases.min {
            let a = ($0.binding == Symbol.bindLocal ? 1 : 0, $0.name.utf8.count, $0.name)
            let b = ($1.binding == Symbol.bindLocal ? 1 : 0, $1.name.utf8.count, $1.name)
            return a < b
        }
    }

    /// The source file named by the object's first STT_FILE symbol.
    public var sourceFile: String? {
        file.symbols.first { $0.type == Symbol.typeFile && !$0.name.isEmpty }?.name
    }

    /// The bytes of a section, zeros for SHT_NOBITS (.bss).
    func contents(_ section: Section) throws(DiffError) -> [UInt8] {
        guard section.type != Section.nobits else {
            guard section.size <= UInt64(DiffLimits.maxSectionSize) else {
                throw .malformed(object: path, why: "section \(section.name) is \(section.size) bytes")
            }
            return [UInt8](repeating: 0, count: Int(section.size))
        }
        do { return Array(try file.sectionData(section)) } catch {
            throw .malformed(object: path, why: "\(error)")
        }
    }

    /// The relocations applying to a section, sorted by offset.
    func relocations(of sectionIndex: Int) throws(DiffError) -> [Relocation] {
        var out: [Relocation] = []
        for rela in file.relocationSections(applyingTo: sectionIndex) {
            do { out += try file.relocations(in: rela) } catch {
                throw .malformed(object: path, why: "\(error)")
            }
        }
        return out.sorted { $0.offset < $1.offset }
    }

    /// A relocation's symbol; objects have one symbol table, and
    /// `ELFFile.relocations(in:)` has checked the index against it.
    func symbol(_ index: UInt32) throws(DiffError) -> Symbol {
        guard Int(index) < file.symbols.count else {
            throw .malformed(object: path, why: "a relocation names symbol #\(index), past the symbol table")
        }
        return file.symbols[Int(index)]
    }

    func section(_ index: UInt16) -> Section? {
        Int(index) > 0 && Int(index) < file.sections.count ? file.sections[Int(index)] : nil
    }
}

/// A function of an object, in its own section.
public struct ObjectFunction: Sendable {
    public let symbol: Symbol
    public let section: Section
    public var name: String { symbol.name }
    public var size: UInt64 { symbol.size }
    public var isLocal: Bool { symbol.binding == Symbol.bindLocal }
}

enum DiffLimits {
    /// No compiler section of a patchable unit comes near this; a larger
    /// size is a malformed or hostile file.
    static let maxSectionSize = 64 << 20
}
