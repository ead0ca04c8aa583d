import Hash
import Link
import Payload
import Target

/// Turns a payload's sections into the exact bytes of its code region at a
/// given address, from the bindings the linker chose for its symbols.
struct Relocator {
    let payload: Payload
    let layout: CodeLayout
    let bindings: [RelocationTarget: Binding]

    /// The region image, ready to be written at `base`.
    func image(at base: UInt64) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: layout.size)
        for (i, s) in payload.sections.enumerated() {
            let o = layout.sectionOffsets[i]
            out.replaceSubrange(o..<(o + s.bytes.count), with: s.bytes)
        }
        for (target, o) in layout.gotOffsets {
            put(&out, o, try address(of: target, base: base), width: 8)
        }
        for (i, s) in payload.sections.enumerated() {
            let sectionBase = base + UInt64(layout.sectionOffsets[i])
            for r in s.relocations {
                let place = sectionBase + r.offset
                let at = layout.sectionOffsets[i] + Int(r.offset)
                let value = try self.value(of: r, place: place, base: base, image: &out)
                put(&out, at, value, width: r.type.width)
            }
        }
        return out
    }

    func address(of target: RelocationTarget, base: UInt64) throws -> UInt64 {
        if case let .section(i) = target { return base + UInt64(layout.sectionOffsets[Int(i)]) }
        guard let b = bindings[target] else { throw ApplierError.unresolved(symbol: target.description, module: "") }
        return b.address
    }

    private func value(of r: PayloadRelocation, place: UInt64, base: UInt64, image: inout [UInt8]) throws -> UInt64 {
        let a = UInt64(bitPattern: r.addend)
        switch r.type {
        case .abs64:
            return try address(of: r.target, base: base) &+ a
        case .abs32:
            let v = try address(of: r.target, base: base) &+ a
            guard v <= UInt64(UInt32.max) else { throw ApplierError.outOfRange(what: "R_X86_64_32 to \(r.target)") }
            return v
        case .abs32s:
            let v = Int64(bitPattern: try address(of: r.target, base: base) &+ a)
            guard Int32(exactly: v) != nil else { throw ApplierError.outOfRange(what: "R_X86_64_32S to \(r.target)") }
            return UInt64(bitPattern: v)
        case .pc32:
            return try relative(try address(of: r.target, base: base) &+ a, place, what: "\(r.target)")
        case .plt32:
            let s = try address(of: r.target, base: base)
            if let v = try? relative(s &+ a, place, what: "") { return v }
            guard let stub = layout.stubOffsets[r.target] else {
                throw ApplierError.outOfRange(what: "call to \(r.target)")
            }
            // jmp *0(%rip) followed by the absolute target.
            let code: [UInt8] = [0xff, 0x25, 0, 0, 0, 0]
            image.replaceSubrange(stub..<(stub + 6), with: code)
            put(&image, stub + 6, s, width: 8)
            return try relative(base + UInt64(stub) &+ a, place, what: "stub for \(r.target)")
        case .tpoff32:
            let v = Int64(bitPattern: try address(of: r.target, base: base) &+ a)
            guard Int32(exactly: v) != nil else {
                throw ApplierError.outOfRange(what: "R_X86_64_TPOFF32 to \(r.target)")
            }
            return UInt64(bitPattern: v)
        case .gotpcrel, .gotpcrelx, .rexGotpcrelx, .gottpoff:
            guard let g = layout.gotOffsets[r.target] else {
                throw ApplierError.outOfRange(what: "GOT slot for \(r.target)")
            }
            return try relative(base + UInt64(g) &+ a, place, what: "GOT slot")
        }
    }

    private func relative(_ dest: UInt64, _ place: UInt64, what: String) throws -> UInt64 {
        let d = Int64(bitPattern: dest &- place)
        guard Int32(exactly: d) != nil else {
            throw ApplierError.outOfRange(what: "reference to \(what) from 0x\(String(place, radix: 16))")
        }
        return UInt64(bitPattern: d)
    }

    private func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64, width: Int) {
        for i in 0..<width { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }
}
