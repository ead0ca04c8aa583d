import ELF

/// A named read-only object (`static const` or `const` global) that the
/// running build already has keeps its address: code compares pointers with
/// it (Lua's `&dummynode_`), so a copy travelling in the payload would make
/// a fix that links and applies yet behaves as the old code did.
/// Anonymous data (string literals, `.LC*` constants, jump tables) and
/// objects the binary lacks still travel.
extension SectionLayout {
    /// The binary's object a read-only reference means, or nil when the data
    /// travels. Throws when the reference means an existing object whose
    /// size or initialiser the fix changed, or leaves open whether it means
    /// an existing or a new one.
    func existingReadOnlyObject(_ sym: Symbol, in section: Section, addend: Int64,
                                at place: Place) throws -> [Symbol]? {
        let named = sym.type == Symbol.typeSection ? objects(in: section, at: addend, place) : [sym]
        let candidates = named.filter(isIdentityObject)
        guard !candidates.isEmpty else { return nil }
        let existing = candidates.filter { binaryDefinition(like: $0) != nil }
        if existing.isEmpty { return nil }
        guard existing.count == candidates.count else {
            throw BuildError.cannotBind(reference: "\(section.name)+\(addend)", user: place.user,
                reason:
                    "it may mean \(existing.map(\.name).joined(separator: ", ")) of the running build or the new " +
                        candidates.filter { binaryDefinition(like: $0) == nil }.map(\.name).joined(separator: ", ") +
                        "; reference the object by name (compile with -fdata-sections)"
            )
        }
        for s in existing where !carriesRelocations(s) {
            try checkInitialiser(s, section: section, user: place.user)
        }
        return existing.allSatisfy({ !carriesRelocations($0) }) ? existing : nil
    }

    /// A named data object, as opposed to a compiler-made constant.
    private func isIdentityObject(_ s: Symbol) -> Bool {
        s.type == Symbol.typeObject && !s.name.isEmpty && !s.name.hasPrefix(".L") && s.size > 0
    }

    /// An object whose bytes the linker relocates (a table of pointers in
    /// `.data.rel.ro`) cannot be compared with the running build's bytes, so
    /// its identity cannot be proven: it keeps travelling as a copy.
    func carriesRelocations(_ s: Symbol) -> Bool {
        let idx = Int(s.sectionIndex)
        for rela in object.relocationSections(applyingTo: idx) {
            guard let rs = try? object.relocations(in: rela) else { return true }
            if rs.contains(where: { $0.offset >= s.value && $0.offset < s.value &+ s.size }) { return true }
        }
        return false
    }

    /// Same size, and the same bytes where the binary's file holds them: a
    /// changed `static const` initialiser cannot be patched in place.
    private func checkInitialiser(_ s: Symbol, section: Section, user: String) throws {
        guard let def = binaryDefinition(like: s) else { return }
        guard def.size == s.size else {
            throw BuildError.cannotBind(reference: s.name, user: user,
                reason:
                    "the read-only object is \(s.size) bytes in the fix but \(def.size) in the running build; a live " +
                        "patch cannot change existing data (give the fix a new object under a new name)"
            )
        }
        guard section.type != Section.nobits, let count = Int(exactly: s.size),
              let data = try? object.sectionData(section),
              let lo = Int(exactly: s.value), lo <= data.count, count <= data.count - lo,
              let old = try? binary.bytes(atVirtualAddress: def.value, count: count) else { return }
        let new = Array(data[(data.startIndex + lo)..<(data.startIndex + lo + count)])
        if let at = old.indices.first(where: { old[$0] != new[$0] }) {
            throw BuildError.cannotBind(reference: s.name, user: user,
                reason:
                    "the fix changes the initialiser of this existing read-only object (first at byte \(at)), but " +
                        "code and pointers of the running build use the old object; a live patch cannot change " +
                        "existing data (give the fix a new object under a new name)"
            )
        }
    }

    /// Named objects a section-relative reference may mean (the PC-relative
    /// operand lies 4 to 8 bytes past the addend); none for literals.
    private func objects(in section: Section, at addend: Int64, _ place: Place) -> [Symbol] {
        let pcRelative = place.section.isExecutable && ![.abs64, .abs32, .abs32s, .tpoff32].contains(place.type)
        let offsets = pcRelative ? [4, 5, 6, 8].map { addend &+ $0 } : [addend]
        return object.symbols.filter { s in
            guard Int(s.sectionIndex) == section.index, s.type == Symbol.typeObject else { return false }
            let lo = Int64(bitPattern: s.value)
            let hi = lo &+ Int64(bitPattern: max(s.size, 1))
            return offsets.contains { $0 >= lo && $0 < hi }
        }
    }
}
