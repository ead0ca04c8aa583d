import ELF

/// Gathers the object's sections that travel with the replacement code (its
/// own text, cold parts, genuinely new functions, read-only data, string
/// literals, read-only-after-relocation tables) and binds every ELF
/// relocation of them as the static linker would have bound it in the
/// module (see `SectionLayout+Binding.swift` for the rules).
struct SectionLayout {
    let object: ELFFile
    let binary: ELFFile
    /// Patched functions as found in the binary, and their replacements in the object.
    let patched: [Symbol]
    let replacements: [Symbol]
    /// True when the binary is a shared library: its exported functions can
    /// be interposed, so references to them are bound at apply time.
    let isLibrary: Bool
    /// The new variables of the payloads this one is built on top of, by
    /// name, with the payload that owns each (see `RelocationTarget.payloadVariable`).
    var baseVariables: [String: String] = [:]

    /// Settable so that sections built from several object sections (the
    /// unwind information) can be added after the code they describe.
    var sections: [LoadSection] = []
    private(set) var indexOf: [Int: UInt32] = [:]
    private var order: [Int] = []

    init(object: ELFFile, binary: ELFFile, patched: [Symbol], replacements: [Symbol], isLibrary: Bool) {
        self.object = object
        self.binary = binary
        self.patched = patched
        self.replacements = replacements
        self.isLibrary = isLibrary
    }

    /// Adds an object section (once) and returns its payload index.
    /// `newVariables` admits a writable section whose every variable the
    /// module lacks: it travels as writable data (see `bindNewVariables`).
    mutating func include(objectSection idx: Int, newVariables: Bool = false) throws -> UInt32 {
        if let i = indexOf[idx] { return i }
        guard idx > 0, idx < object.sections.count else {
            throw BuildError.noSuchObjectSection(idx)
        }
        let s = object.sections[idx]
        let writableData = newVariables && s.isWritable && !s.isExecutable && Self.holdsPlainVariables(s)
        guard s.isAlloc, writableData || !s.isWritable || Self.isReadOnlyAfterRelocation(s)
                || Self.isUnwinderConstant(s) else {
            throw BuildError.writableData(symbol: s.name, section: s.name)
        }
        guard s.size <= UInt64(PayloadLimits.maxSectionSize) else {
            throw BuildError.objectSectionTooLarge(section: s.name, size: s.size)
        }
        let bytes = s.type == Section.nobits
            ? [UInt8](repeating: 0, count: Int(s.size))
            : Array(try object.sectionData(s))
        let align = UInt32(clamping: max(1, min(s.alignment, UInt64(PayloadLimits.maxAlignment))))
        let i = UInt32(sections.count)
        let kind: LoadSection.Kind = s.isExecutable ? .code : writableData ? .writableData : .readOnlyData
        sections.append(LoadSection(name: s.name, kind: kind,
                                    alignment: align.nonzeroBitCount == 1 ? align : 16, bytes: bytes, relocations: []))
        if writableData {
            // Global variables only: a later payload names them with `extern`.
            sections[Int(i)].variables = object.symbols.filter {
                Int($0.sectionIndex) == idx && $0.type == Symbol.typeObject && $0.binding != Symbol.bindLocal
                    && !$0.name.isEmpty
            }.map { LoadSection.Variable(name: $0.name, offset: $0.value) }
        }
        indexOf[idx] = i
        order.append(idx)
        return i
    }

    /// `.data.rel.ro*` is written only by the dynamic linker's relocation,
    /// before the program runs: xsplice relocates it before mapping it, so
    /// it travels as read-only data like `.rodata`.
    static func isReadOnlyAfterRelocation(_ s: Section) -> Bool {
        s.name == ".data.rel.ro" || s.name.hasPrefix(".data.rel.ro.")
    }

    /// Converts relocations of every included section, including sections
    /// pulled in while doing so.
    mutating func relocateAll() throws {
        var done = 0
        while done < order.count {
            // The unwind section is no object section: go by index, not position.
            guard let payIdx = indexOf[order[done]] else { break }
            sections[Int(payIdx)].relocations = try convert(objectSection: order[done])
            done += 1
        }
    }

    private mutating func convert(objectSection idx: Int) throws -> [PayloadRelocation] {
        var out: [PayloadRelocation] = []
        let section = object.sections[idx]
        for rela in object.relocationSections(applyingTo: idx) {
            let table = object.symbolTable(for: rela)
            for r in try object.relocations(in: rela) {
                let user = self.user(of: section, at: r.offset)
                try Self.refuseDynamicTLS(r, table: table, user: user)
                guard let type = RelocationType(rawValue: r.type) else {
                    throw BuildError.unsupportedRelocation(type: r.type, section: user, offset: r.offset)
                }
                guard Int(r.symbolIndex) < table.count else {
                    throw BuildError.badSymbolReference(section: section.name, offset: r.offset,
                                                        reason: "symbol #\(r.symbolIndex) is outside the symbol table")
                }
                let place = Place(section: section, offset: r.offset, type: type, user: user)
                let (target, addend) = try bind(table[Int(r.symbolIndex)], addend: r.addend, at: place)
                out.append(PayloadRelocation(offset: r.offset, type: type, addend: addend, target: target))
            }
        }
        return out.sorted { $0.offset < $1.offset }
    }

    /// Binds a reference found outside the sections `convert` walks (the
    /// unwind information names code, LSDAs and personality words).
    mutating func resolve(_ sym: Symbol, addend: Int64, at sectionName: String, offset: UInt64,
                          type: RelocationType = .pc32) throws -> (RelocationTarget, Int64) {
        guard let section = object.sections.first(where: { $0.name == sectionName }) else {
            throw BuildError.badSpec("the object has no section \(sectionName)")
        }
        return try bind(sym, addend: addend, at: Place(section: section, offset: offset, type: type, user: sectionName))
    }

    /// The function (or, for data, the section) a relocation belongs to, for messages.
    private func user(of section: Section, at offset: UInt64) -> String {
        let f = object.symbols.first {
            Int($0.sectionIndex) == section.index && ($0.type == Symbol.typeFunc || $0.type == Symbol.typeObject)
                && offset >= $0.value && offset < $0.value &+ max($0.size, 1)
        }
        return f.map { "\($0.name) (\(section.name))" } ?? section.name
    }
}

/// Where a relocation applies, for binding decisions and messages.
struct Place {
    let section: Section
    let offset: UInt64
    let type: RelocationType
    /// The object function or data the place belongs to.
    let user: String
}
