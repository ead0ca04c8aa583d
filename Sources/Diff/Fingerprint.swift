import ELF

/// What a section means, independently of where its parts were placed: its
/// bytes with every relocated field blanked, and for each relocation its
/// type and what it refers to. Two functions are equal when their
/// fingerprints are, which is what `cmp` of two builds cannot see.
struct Fingerprint: Equatable, Sendable {
    var size: UInt64
    var masked: [UInt8]
    var references: [Reference]

    struct Reference: Equatable, Sendable {
        var offset: UInt64
        var type: UInt32
        var target: TargetKey
    }
}

/// What a relocation refers to, named so that it compares across two builds
/// of a unit: code and variables by name, literals and constant tables by
/// their content (their offsets move whenever anything before them changes).
indirect enum TargetKey: Equatable, Sendable, CustomStringConvertible {
    /// A symbol the unit does not define, plus the addend.
    case external(String, Int64)
    /// A function of the unit, plus the offset from its start.
    case code(String, Int64)
    /// A variable of the unit (writable data), plus the offset from its start.
    case variable(String, Int64)
    /// A string in a mergeable string section.
    case string([UInt8])
    /// A read-only section (constant table, jump table), by content, plus the offset.
    case constant(Fingerprint, Int64)

    var description: String {
        switch self {
        case let .external(n, a): return a == 0 ? n : "\(n)\(a < 0 ? "" : "+")\(a)"
        case let .code(n, a): return a == 0 ? n : "\(n)+\(a)"
        case let .variable(n, a): return a == 0 ? n : "\(n)+\(a)"
        case let .string(b): return "\"\(String(decoding: b, as: UTF8.self))\""
        case let .constant(f, a): return "constant data (\(f.size) bytes)+\(a)"
        }
    }
}

/// Computes fingerprints of one object's sections.
struct Fingerprinter {
    let unit: ObjectUnit
    static let mergeFlag: UInt64 = 0x10, stringsFlag: UInt64 = 0x20

    func fingerprint(section index: Int, visiting: Set<Int> = []) throws(DiffError) -> Fingerprint {
        guard let section = unit.section(UInt16(clamping: index)) else {
            throw .malformed(object: unit.path, why: "a reference to section #\(index), which does not exist")
        }
        var bytes = try unit.contents(section)
        var refs: [Fingerprint.Reference] = []
        for r in try unit.relocations(of: index) {
            if let w = RelocationKind.width(r.type) {
                guard r.offset <= UInt64(bytes.count), UInt64(w) <= UInt64(bytes.count) - r.offset else {
                    throw .malformed(object: unit.path,
                                     why: "a relocation at \(section.name)+\(r.offset) runs past its end")
                }
                for i in Int(r.offset)..<Int(r.offset) + w { bytes[i] = 0 }
            }
            let target = try key(for: r, visiting: visiting.union([index]))
            refs.append(.init(offset: r.offset, type: r.type, target: target))
        }
        return Fingerprint(size: section.size, masked: bytes, references: refs)
    }

    func key(for r: Relocation, visiting: Set<Int>) throws(DiffError) -> TargetKey {
        let sym = try unit.symbol(r.symbolIndex)
        guard sym.isDefined else { return .external(sym.name, r.addend) }
        guard let section = unit.section(sym.sectionIndex) else {
            throw .malformed(object: unit.path, why: "symbol \(sym.name) lies in no section (absolute or common)")
        }
        // Where in its section the relocation points, as written (the
        // displacement bias of a PC-relative field included).
        let offset = Int64(bitPattern: sym.value) &+ r.addend
        if section.isExecutable {
            if let f = unit.file.symbols.first(where: {
                $0.sectionIndex == sym.sectionIndex && $0.type == Symbol.typeFunc
            }) {
                return .code(f.name, offset &- Int64(bitPattern: f.value))
            }
            return .code(section.name, offset)
        }
        if section.isWritable {
            let v = owner(of: offset, in: sym.sectionIndex, pcRelative: RelocationKind.isPCRelative(r.type))
            return .variable(v?.name ?? section.name, offset &- Int64(bitPattern: v?.value ?? 0))
        }
        if section.flags & Self.mergeFlag != 0 {
            // The bias of a PC-relative field is the distance to the end of
            // the instruction: 4 for every instruction that reads a literal.
            let at = offset &+ (RelocationKind.isPCRelative(r.type) ? 4 : 0)
            let data = try unit.contents(section)
            guard at >= 0, at < Int64(data.count) else {
                throw .malformed(object: unit.path, why: "a reference past the end of \(section.name)")
            }
            let start = Int(at)
            if section.flags & Self.stringsFlag != 0 {
                let end = data[start...].firstIndex(of: 0) ?? data.count
                return .string(Array(data[start..<end]))
            }
            let size = max(1, Int(min(section.entrySize, 64)))
            return .string(Array(data[start..<min(data.count, start + size)]))
        }
        if visiting.contains(Int(sym.sectionIndex)) { return .code(section.name, offset) }
        return .constant(try fingerprint(section: Int(sym.sectionIndex), visiting: visiting), offset)
    }

    /// The variable of a data section that an offset falls in.
    private func owner(of offset: Int64, in sectionIndex: UInt16, pcRelative: Bool) -> Symbol? {
        let at = offset &+ (pcRelative ? 4 : 0)
        let candidates = unit.file.symbols.filter {
            $0.sectionIndex == sectionIndex && ($0.type == Symbol.typeObject || $0.type == Symbol.typeNoType)
                && !$0.name.isEmpty
        }
        return candidates.first {
            let v = Int64(bitPattern: $0.value)
            return at >= v && at < v &+ Int64(bitPattern: max($0.size, 1))
        } ?? candidates.first { $0.value == 0 }
    }
}
