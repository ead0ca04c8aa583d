import ELF

/// Which functions GCC inlined into which, read from an object's DWARF
/// (DW_TAG_inlined_subroutine under each concrete DW_TAG_subprogram, the
/// subprogram found by the relocation of its DW_AT_low_pc). Only for the
/// report: a unit without readable DWARF simply has no inline records.
struct InlineRecords {
    /// Function symbol name -> names of the functions inlined into it.
    private(set) var inlined: [String: Set<String>] = [:]

    private struct Abbrev { var tag: UInt64; var children: Bool; var attrs: [(UInt64, UInt64, Int64)] }
    private struct Die { var tag: UInt64; var depth: Int; var name: String?; var origin: Int?; var function: String? }

    init(unit: ObjectUnit) {
        let f = unit.file
        guard let info = f.section(named: ".debug_info"), let abbrevSec = f.section(named: ".debug_abbrev"),
              let infoBytes = try? Array(f.sectionData(info)), let abbrevBytes = try? Array(f.sectionData(abbrevSec))
        else { return }
        let str = f.section(named: ".debug_str").flatMap { try? Array(f.sectionData($0)) } ?? []
        let lineStr = f.section(named: ".debug_line_str").flatMap { try? Array(f.sectionData($0)) } ?? []
        var relocs: [UInt64: (Symbol, Int64)] = [:]
        for rela in f.relocationSections(applyingTo: info.index) {
            let table = f.symbolTable(for: rela)
            for r in (try? f.relocations(in: rela)) ?? [] where Int(r.symbolIndex) < table.count {
                relocs[r.offset] = (table[Int(r.symbolIndex)], r.addend)
            }
        }
        var c = DwarfCursor(infoBytes)
        while !c.atEnd {
            let unitStart = c.at
            guard let length = c.u(4), length < 0xffff_fff0, let version = c.u(2) else { return }
            let unitEnd = unitStart + 4 + Int(length)
            var addressSize: UInt64 = 8
            if version >= 5 {
                guard c.u(1) != nil, let a = c.u(1) else { return }
                addressSize = a
            }
            let abbrevField = c.at
            guard let rawAbbrev = c.u(4) else { return }
            if version < 5 { guard let a = c.u(1) else { return }; addressSize = a }
            let abbrevOffset = relocs[UInt64(abbrevField)].map { UInt64(bitPattern: $0.1) } ?? rawAbbrev
            guard unitEnd <= infoBytes.count, let abbrevs = Self.abbrevs(abbrevBytes, at: abbrevOffset) else { return }
            var dies: [Int: Die] = [:]
            var order: [Int] = []
            var depth = 0
            var u = DwarfCursor(infoBytes, from: c.at, end: unitEnd)
            while !u.atEnd {
                let off = u.at - unitStart
                guard let code = u.uleb() else { break }
                if code == 0 { depth -= 1; continue }
                guard let a = abbrevs[code] else { break }
                var die = Die(tag: a.tag, depth: depth, name: nil, origin: nil, function: nil)
                for (attr, form, implicit) in a.attrs {
                    let field = UInt64(u.at)
                    guard let v = Self.read(form, &u, addressSize: addressSize, implicit: implicit) else { return }
                    switch attr {
                    case 0x03:
                        if form == 0x08 { die.name = v.text }
                        let pool = form == 0x0e ? str : form == 0x1f ? lineStr : []
                        if !pool.isEmpty {
                            let o = relocs[field].map { UInt64(bitPattern: Int64(bitPattern: $0.0.value) &+ $0.1) }
                                ?? v.value
                            if o < UInt64(pool.count) {
                                var p = DwarfCursor(pool, from: Int(o))
                                die.name = p.cString()
                            }
                        }
                    case 0x31, 0x47:
                        if [0x11, 0x12, 0x13, 0x14, 0x15].contains(form) { die.origin = Int(clamping: v.value) }
                    case 0x11:
                        if let (sym, addend) = relocs[field], addend == 0 || sym.type == Symbol.typeSection {
                            die.function = f.symbols.first {
                                $0.sectionIndex == sym.sectionIndex && $0.type == Symbol.typeFunc
                                    && Int64(bitPattern: $0.value) == Int64(bitPattern: sym.value) &+ addend
                            }?.name
                        }
                    default: break
                    }
                }
                dies[off] = die
                order.append(off)
                if a.children { depth += 1 }
            }
            collect(dies, order)
            c.at = unitEnd
        }
    }

    private mutating func collect(_ dies: [Int: Die], _ order: [Int]) {
        func name(_ off: Int, hops: Int = 0) -> String? {
            guard hops < 4, let d = dies[off] else { return nil }
            return d.name ?? d.origin.flatMap { name($0, hops: hops + 1) }
        }
        var owner: (String, Int)?
        for off in order {
            guard let d = dies[off] else { continue }
            if let o = owner, d.depth <= o.1 { owner = nil }
            if d.tag == 0x2e, let fn = d.function { owner = (fn, d.depth); continue }
            if d.tag == 0x1d, let o = owner, let callee = d.origin.flatMap({ name($0) }) {
                inlined[o.0, default: []].insert(callee)
            }
        }
    }

    private struct Value { var value: UInt64; var text: String? }

    private static func read(_ form: UInt64, _ c: inout DwarfCursor, addressSize: UInt64, implicit: Int64) -> Value? {
        func fixed(_ n: Int) -> Value? { c.u(n).map { Value(value: $0, text: nil) } }
        func block(_ n: UInt64?) -> Value? { n.flatMap { c.skip($0) ? Value(value: 0, text: nil) : nil } }
        switch form {
        case 0x01: return fixed(Int(min(addressSize, 8)))
        case 0x03: return block(c.u(2))
        case 0x04: return block(c.u(4))
        case 0x05, 0x12: return fixed(2)
        case 0x06, 0x0e, 0x10, 0x13, 0x17, 0x1c, 0x1d, 0x1f: return fixed(4)
        case 0x07, 0x14, 0x20, 0x24: return fixed(8)
        case 0x08: return c.cString().map { Value(value: 0, text: $0) }
        case 0x09, 0x18: return block(c.uleb())
        case 0x0a: return block(c.u(1))
        case 0x0b, 0x0c, 0x11, 0x25, 0x29: return fixed(1)
        case 0x0d: return c.sleb().map { Value(value: UInt64(bitPattern: $0), text: nil) }
        case 0x0f, 0x15, 0x1a, 0x1b, 0x22, 0x23: return c.uleb().map { Value(value: $0, text: nil) }
        case 0x19: return Value(value: 1, text: nil)
        case 0x1e: return fixed(16).map { _ in Value(value: 0, text: nil) }
        case 0x21: return Value(value: UInt64(bitPattern: implicit), text: nil)
        case 0x26, 0x2a: return fixed(2)
        case 0x27, 0x2b: return fixed(3)
        case 0x28, 0x2c: return fixed(4)
        default: return nil
        }
    }

    private static func abbrevs(_ bytes: [UInt8], at offset: UInt64) -> [UInt64: Abbrev]? {
        guard offset < UInt64(bytes.count) else { return nil }
        var c = DwarfCursor(bytes, from: Int(offset))
        var out: [UInt64: Abbrev] = [:]
        while let code = c.uleb(), code != 0 {
            guard let tag = c.uleb(), let children = c.u(1) else { return nil }
            var attrs: [(UInt64, UInt64, Int64)] = []
            while true {
                guard let attr = c.uleb(), let form = c.uleb() else { return nil }
                if attr == 0 && form == 0 { break }
                let implicit = form == 0x21 ? (c.sleb() ?? 0) : 0
                attrs.append((attr, form, implicit))
            }
            out[code] = Abbrev(tag: tag, children: children != 0, attrs: attrs)
        }
        return out
    }
}
