import ELF

/// An existing variable keeps the value it has in the running process: the
/// new code binds to it, and nothing re-initialises it. A fix that changes
/// its initial value (a limit, a default, a table) would therefore build,
/// apply and report "applied" while the program goes on with the old value,
/// so the build refuses it, as `build --before/--after` does.
extension SectionLayout {
    /// The first byte at which the fix's initial value of `s` differs from
    /// the running build's definition `def`, or nil when they are the same
    /// or cannot be compared: bytes the linker relocates (pointers) are not
    /// in either file as they will be in memory.
    func changedInitialValue(_ s: Symbol, existing def: Symbol) -> Int? {
        guard s.type == Symbol.typeObject, def.size == s.size, let count = Int(exactly: s.size), count > 0,
              Int(s.sectionIndex) < object.sections.count, !carriesRelocations(s) else { return nil }
        let section = object.sections[Int(s.sectionIndex)]
        guard let new = initialBytes(of: s, in: section, count: count), let old = binaryBytes(of: def, count: count)
        else { return nil }
        return old.indices.first { old[$0] != new[$0] }
    }

    private func initialBytes(of s: Symbol, in section: Section, count: Int) -> [UInt8]? {
        if section.type == Section.nobits { return [UInt8](repeating: 0, count: count) }
        guard let data = try? object.sectionData(section), let lo = Int(exactly: s.value), lo <= data.count,
              count <= data.count - lo else { return nil }
        return Array(data[(data.startIndex + lo)..<(data.startIndex + lo + count)])
    }

    /// The file's bytes, or zeros for a variable in the binary's `.bss`.
    private func binaryBytes(of def: Symbol, count: Int) -> [UInt8]? {
        if let bytes = try? binary.bytes(atVirtualAddress: def.value, count: count) { return bytes }
        let i = Int(def.sectionIndex)
        guard i > 0, i < binary.sections.count, binary.sections[i].type == Section.nobits else { return nil }
        return [UInt8](repeating: 0, count: count)
    }
}
