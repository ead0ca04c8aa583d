import ELF

/// Gathers the object's sections that the replacement code needs (its own
/// text, cold parts, helpers it defines, read-only data and string literals)
/// and turns their ELF relocations into symbolic payload relocations.
struct SectionLayout {
    let object: ELFFile
    let binary: ELFFile
    /// Patched functions as found in the binary, and their replacements in the object.
    let patched: [Symbol]
    let replacements: [Symbol]

    var sections: [LoadSection] = []
    private(set) var indexOf: [Int: UInt32] = [:]
    private var order: [Int] = []

    init(object: ELFFile, binary: ELFFile, patched: [Symbol], replacements: [Symbol]) {
        self.object = object
        self.binary = binary
        self.patched = patched
        self.replacements = replacements
    }

    /// Adds an object section (once) and returns its payload index.
    mutating func include(objectSection idx: Int) throws -> UInt32 {
        if let i = indexOf[idx] { return i }
        guard idx > 0, idx < object.sections.count else {
            throw BuildError.badSpec("the object references section #\(idx), which does not exist")
        }
        let s = object.sections[idx]
        guard s.isAlloc, !s.isWritable || Self.isUnwinderConstant(s) else {
            throw BuildError.writableData(symbol: s.name, section: s.name)
        }
        let bytes = s.type == Section.nobits
            ? [UInt8](repeating: 0, count: Int(min(s.size, UInt64(PayloadLimits.maxSectionSize))))
            : Array(try object.sectionData(s))
        let align = UInt32(clamping: max(1, min(s.alignment, UInt64(PayloadLimits.maxAlignment))))
        let i = UInt32(sections.count)
        sections.append(LoadSection(name: s.name, kind: s.isExecutable ? .code : .readOnlyData,
                                    alignment: align.nonzeroBitCount == 1 ? align : 16, bytes: bytes, relocations: []))
        indexOf[idx] = i
        order.append(idx)
        return i
    }

    /// Converts relocations of every included section, including sections
    /// pulled in while doing so.
    mutating func relocateAll() throws {
        var done = 0
        while done < order.count {
            let objIdx = order[done]
            guard let payIdx = indexOf[objIdx] else { break }
            sections[Int(payIdx)].relocations = try convert(objectSection: objIdx)
            done += 1
        }
    }

    private mutating func convert(objectSection idx: Int) throws -> [PayloadRelocation] {
        var out: [PayloadRelocation] = []
        let secName = object.sections[idx].name
        for rela in object.relocationSections(applyingTo: idx) {
            let table = object.symbolTable(for: rela)
            for r in try object.relocations(in: rela) {
                guard let type = RelocationType(rawValue: r.type) else {
                    throw BuildError.unsupportedRelocation(type: r.type, section: secName, offset: r.offset)
                }
                guard Int(r.symbolIndex) < table.count else {
                    throw BuildError.badSymbolReference(section: secName, offset: r.offset, reason: "symbol #\(r.symbolIndex) is outside the symbol table")
                }
                let sym = table[Int(r.symbolIndex)]
                let (target, addend) = try resolve(sym, addend: r.addend, at: secName, offset: r.offset)
                out.append(PayloadRelocation(offset: r.offset, type: type, addend: addend, target: target))
            }
        }
        return out.sorted { $0.offset < $1.offset }
    }

    mutating func resolve(_ sym: Symbol, addend: Int64, at sec: String, offset: UInt64) throws -> (RelocationTarget, Int64) {
        if !sym.isDefined {
            return (.symbol(name: sym.name, file: try fileHint(for: sym.name)), addend)
        }
        // A reference to a patched function goes through its old entry, so
        // that a payload stacked later on that function is honoured.
        if let k = replacements.firstIndex(where: { $0.sectionIndex == sym.sectionIndex }),
           sym.type == Symbol.typeSection || sym.name == replacements[k].name {
            let old = patched[k]
            let extra = sym.type == Symbol.typeSection ? 0 : Int64(bitPattern: sym.value)
            return (.symbol(name: old.name, file: old.binding == Symbol.bindLocal ? (old.file ?? "") : ""), addend &+ extra)
        }
        let idx = Int(sym.sectionIndex)
        guard idx > 0, idx < object.sections.count else {
            throw BuildError.badSymbolReference(section: sec, offset: offset, reason: "symbol \(sym.name) has special section index \(sym.sectionIndex) (absolute or common symbols cannot travel)")
        }
        let target = object.sections[idx]
        if target.isWritable && !Self.isUnwinderConstant(target) {
            // A variable the program already has: share the live one.
            if sym.type != Symbol.typeSection, binary.symbols.contains(where: { $0.name == sym.name && $0.isDefined }) {
                return (.symbol(name: sym.name, file: try fileHint(for: sym.name)), addend)
            }
            throw BuildError.writableData(symbol: sym.type == Symbol.typeSection ? target.name : sym.name, section: target.name)
        }
        let p = try include(objectSection: idx)
        let extra = sym.type == Symbol.typeSection ? 0 : Int64(bitPattern: sym.value)
        return (.section(p), addend &+ extra)
    }

    /// Picks the source file for a name the binary defines only as statics,
    /// preferring the file of the patched functions.
    private func fileHint(for name: String) throws -> String {
        let defs = binary.symbols.filter { $0.name == name && $0.isDefined && $0.type != Symbol.typeSection && $0.type != Symbol.typeFile }
        if defs.isEmpty || defs.contains(where: { $0.binding != Symbol.bindLocal }) { return "" }
        let files = Set(defs.compactMap(\.file))
        if files.count <= 1 { return files.first ?? "" }
        let patchedFiles = Set(patched.compactMap { $0.binding == Symbol.bindLocal ? $0.file : nil })
        let preferred = files.intersection(patchedFiles)
        if preferred.count == 1, let f = preferred.first { return f }
        throw BuildError.ambiguous(name, candidates: files.sorted().map { "\($0):\(name)" })
    }
}
