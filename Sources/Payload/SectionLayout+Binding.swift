import ELF

/// The build-time binding rules: every reference of the new code binds to
/// what the static linker would have chosen had the fixed object been linked
/// into the module in place of the original.
///
/// - into a replaced function's own section (jump tables, labels): the new code;
/// - to a replaced function by name: its old entry, which is the program's
///   definition (function identity holds, and a payload stacked later on that
///   function is honoured because the entry jumps to whatever is current);
/// - read-only data, literals, `.data.rel.ro*`, cold parts, compiler-made
///   clones and genuinely new functions: travel with the payload;
/// - other functions and all variables of the object (by name, or through a
///   section symbol plus addend): the module's own definition of that name,
///   as a module-relative address checked against the binary;
/// - undefined symbols the module defines: the module's definition, unless the
///   module is a library exporting it (interposable: bound at apply time);
/// - anything else: bound at apply time as the dynamic linker binds it.
extension SectionLayout {
    mutating func bind(_ sym: Symbol, addend: Int64, at place: Place) throws -> (RelocationTarget, Int64) {
        if !sym.isDefined { return try bindUndefined(sym.name, addend: addend, at: place) }
        guard sym.sectionIndex < 0xff00 else {
            throw BuildError.cannotBind(reference: sym.name, user: place.user,
                reason:
                    "it is an absolute or common symbol (section index 0x\(String(sym.sectionIndex, radix: 16))), " +
                        "which has no place in the module; compile with -fno-common"
            )
        }
        let idx = Int(sym.sectionIndex)
        guard idx > 0, idx < object.sections.count else {
            throw BuildError.badSymbolReference(section: place.section.name, offset: place.offset,
                reason: "symbol \(sym.name) names section #\(idx), which does not exist")
        }
        let target = object.sections[idx]
        let isSection = sym.type == Symbol.typeSection
        let own = isSection ? 0 : Int64(bitPattern: sym.value)

        if let k = replacements.firstIndex(where: { Int($0.sectionIndex) == idx }) {
            if !isSection, sym.name == replacements[k].name, sym.value == 0 {
                return (Self.entry(of: patched[k]), addend)
            }
            return (.section(try include(objectSection: idx)), addend &+ own)
        }
        if !target.isExecutable,
           !target.isWritable || Self.isReadOnlyAfterRelocation(target) || Self.isUnwinderConstant(target) {
            if !Self.isUnwinderConstant(target),
               let existing = try existingReadOnlyObject(sym, in: target, addend: addend, at: place) {
                return try bindToModule(existing, addend: addend, sectionRelative: isSection, at: place)
            }
            return (.section(try include(objectSection: idx)), addend &+ own)
        }
        let named = isSection ? try symbols(in: target, at: addend, place) : [sym]
        if target.isExecutable {
            if named.contains(where: Self.travels) || named.contains(where: { binaryDefinition(like: $0) == nil }) {
                return (.section(try include(objectSection: idx)), addend &+ own)
            }
        }
        if !target.isExecutable, let i = try newVariables(in: target, named: named, at: place) {
            return (.section(i), addend &+ own)
        }
        return try bindToModule(named, addend: addend, sectionRelative: isSection, at: place)
    }

    /// Variables the fix defines and the module lacks travel in the payload's
    /// writable data, initialised from the object (zero for `.bss`). Only a
    /// section holding nothing but new variables can travel whole; one that
    /// mixes them with the program's own variables would duplicate those.
    /// nil when every variable referred to is the program's.
    private mutating func newVariables(in section: Section, named: [Symbol], at place: Place) throws -> UInt32? {
        let fresh = named.filter { binaryDefinition(like: $0) == nil }
        guard let first = fresh.first, Self.holdsPlainVariables(section) else { return nil }
        let existing = object.symbols.filter {
            Int($0.sectionIndex) == section.index && $0.type == Symbol.typeObject && !$0.name.isEmpty
                && binaryDefinition(like: $0) != nil
        }
        if let e = existing.first {
            throw BuildError.cannotBind(reference: first.name, user: place.user,
                                        reason: "it is a new variable, but its section \(section.name) also holds "
                                            + "\(e.name), which the running build has; compile with -fdata-sections "
                                            + "so that each variable has a section of its own")
        }
        return try include(objectSection: section.index, newVariables: true)
    }

    /// Names the binary also has bind to the binary's definition; several
    /// candidates (a section-relative reference whose exact variable the
    /// addend leaves open) must agree on where the object's section lies.
    private func bindToModule(_ named: [Symbol], addend: Int64, sectionRelative: Bool,
                              at place: Place) throws -> (RelocationTarget, Int64) {
        var chosen: (def: Symbol, addend: Int64)?
        for s in named {
            guard let def = binaryDefinition(like: s) else {
                let section =
                    Int(s.sectionIndex) < object.sections.count ? object.sections[Int(s.sectionIndex)].name : "?"
                throw BuildError.newVariable(symbol: s.name, section: section, user: place.user)
            }
            if s.type == Symbol.typeObject, def.size != s.size {
                throw BuildError.cannotBind(reference: s.name, user: place.user,
                    reason:
                        "the variable is \(s.size) bytes in the fix but \(def.size) in the running build; a live " +
                            "patch cannot change the layout of existing data"
                )
            }
            if let at = changedInitialValue(s, existing: def) {
                throw BuildError.changedInitialValue(variable: s.name, user: place.user, firstByte: at)
            }
            let rel = sectionRelative ? addend &- Int64(bitPattern: s.value) : addend
            let absolute = def.value &+ UInt64(bitPattern: rel)
            if let c = chosen, c.def.value &+ UInt64(bitPattern: c.addend) != absolute {
                throw BuildError.cannotBind(reference: "\(place.section.name)+\(addend)", user: place.user,
                    reason:
                        "it may mean \(c.def.name) or \(s.name), which the fix lays out differently from the running " +
                            "build; keep the order of the file's variables"
                )
            }
            if chosen == nil { chosen = (def, rel) }
        }
        guard let c = chosen else {
            throw BuildError.cannotBind(reference: "\(place.section.name)+\(addend)", user: place.user,
                                        reason: "no symbol of the object covers that offset")
        }
        return (.internal(name: c.def.name, file: c.def.binding == Symbol.bindLocal ? (c.def.file ?? "") : "",
                          address: c.def.value), c.addend)
    }

    private func bindUndefined(_ name: String, addend: Int64, at place: Place) throws -> (RelocationTarget, Int64) {
        let defs = definitions(named: name)
        if let g = defs.first(where: { $0.binding != Symbol.bindLocal }) {
            if isLibrary, g.visibility == 0, binary.dynamicSymbols.contains(where: { $0.name == name && $0.isDefined })
            {
                return (.symbol(name: name, file: ""), addend)
            }
            return (.internal(name: name, file: "", address: g.value), addend)
        }
        // `extern` for a static of the program: its file, told apart by the patched functions' files.
        if !defs.isEmpty {
            let s = try staticDefinition(defs, name: name, user: place.user)
            return (.internal(name: name, file: s.file ?? "", address: s.value), addend)
        }
        if let owner = baseVariables[name] { return (.payloadVariable(payload: owner, name: name), addend) }
        return (.symbol(name: name, file: ""), addend)
    }

    /// Object symbols that a section-relative reference may mean. The place
    /// of a PC-relative reference in code is followed by up to 4 immediate
    /// bytes, so the operand lies 4 to 8 bytes past the addend.
    private func symbols(in section: Section, at addend: Int64, _ place: Place) throws -> [Symbol] {
        let pcRelative = place.section.isExecutable && ![.abs64, .abs32, .abs32s, .tpoff32].contains(place.type)
        let offsets = pcRelative ? [4, 5, 6, 8].map { addend &+ $0 } : [addend]
        var hits: [Symbol] = []
        for s in object.symbols where Int(s.sectionIndex) == section.index && !s.name.isEmpty
            && s.type != Symbol.typeSection && s.type != Symbol.typeFile {
            let lo = Int64(bitPattern: s.value)
            let hi = lo &+ Int64(bitPattern: max(s.size, 1))
            if offsets.contains(where: { $0 >= lo && $0 < hi }), !hits.contains(where: { $0.index == s.index }) {
                hits.append(s)
            }
        }
        guard !hits.isEmpty else {
            throw BuildError.cannotBind(reference: "\(section.name)+\(addend)", user: place.user,
                reason:
                    "no function or variable of the object lies at that offset, so it cannot be matched with the " +
                        "running build"
            )
        }
        return hits
    }

    /// `.data*` and `.bss*`, not thread-local (a new TLS variable would need
    /// room in every thread's block: refused as a new variable).
    static func holdsPlainVariables(_ s: Section) -> Bool {
        let tls: UInt64 = 0x400  // SHF_TLS
        let named = [".data", ".bss"].contains { s.name == $0 || s.name.hasPrefix($0 + ".") }
        return named && s.flags & tls == 0 && !isReadOnlyAfterRelocation(s)
    }

    /// Compiler-made parts and clones (`f.cold`, `f.part.0`, `f.constprop.0`,
    /// `f.isra.0`) belong to the code that uses them: the fix's versions travel.
    static func travels(_ s: Symbol) -> Bool { s.name.contains(".") }

    /// The replaced function as the module defines it: its old entry.
    static func entry(of old: Symbol) -> RelocationTarget {
        .internal(name: old.name, file: old.binding == Symbol.bindLocal ? (old.file ?? "") : "", address: old.value)
    }

    /// The binary's definition of an object symbol: a static matches a
    /// static of the same name (its file told apart by the patched
    /// functions), a global the global. nil when the binary has none.
    func binaryDefinition(like s: Symbol) -> Symbol? {
        let defs = definitions(named: s.name).filter {
            s.type == Symbol.typeNoType || $0.type == s.type || $0.type == Symbol.typeNoType
        }
        if s.binding != Symbol.bindLocal { return defs.first { $0.binding != Symbol.bindLocal } }
        let locals = defs.filter { $0.binding == Symbol.bindLocal }
        guard !locals.isEmpty else { return nil }
        if let d = try? staticDefinition(locals, name: s.name, user: "") { return d }
        return sameBlock(s, among: locals)
    }

    /// Statics of the same name in several files: the linker keeps an
    /// object's section whole, so the right file is the one where every
    /// other static of the object's section sits at the same distance.
    private func sameBlock(_ s: Symbol, among candidates: [Symbol]) -> Symbol? {
        let mates = object.symbols.filter {
            $0.sectionIndex == s.sectionIndex && $0.index != s.index && $0.binding == Symbol.bindLocal
                && !$0.name.isEmpty && ($0.type == Symbol.typeObject || $0.type == Symbol.typeFunc)
        }
        guard !mates.isEmpty else { return nil }
        let fits = candidates.filter { c in
            let delta = c.value &- s.value
            return mates.allSatisfy { m in
                definitions(named: m.name).contains {
                    $0.binding == Symbol.bindLocal && $0.file == c.file && $0.value &- m.value == delta
                        && $0.size == m.size
                }
            }
        }
        return fits.count == 1 ? fits.first : nil
    }

    private func definitions(named name: String) -> [Symbol] {
        let table = binary.symbols.isEmpty ? binary.dynamicSymbols : binary.symbols
        var seen = Set<UInt64>()
        return table.filter {
            $0.name == name && $0.isDefined && $0.sectionIndex < 0xff00
                && $0.type != Symbol.typeSection && $0.type != Symbol.typeFile
        }.filter { seen.insert($0.value).inserted }
    }

    private func staticDefinition(_ defs: [Symbol], name: String, user: String) throws -> Symbol {
        let files = Set(defs.compactMap(\.file))
        if defs.count == 1, let d = defs.first { return d }
        let patchedFiles = Set(patched.compactMap { $0.binding == Symbol.bindLocal ? $0.file : nil })
        let preferred = files.intersection(patchedFiles)
        if preferred.count == 1, let f = preferred.first, let d = defs.first(where: { $0.file == f }) { return d }
        throw BuildError.ambiguous(
            name,
            candidates: defs.map { "\($0.file ?? "?"):\(name)@0x\(String($0.value, radix: 16))" }
                + (user.isEmpty ? [] : ["(used by \(user))"]))
    }
}
