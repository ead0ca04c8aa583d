extension Payload {
    /// One unwind section from several (a payload merged from several
    /// objects): the parts' records one after the other, each without its
    /// zero terminator, then one terminator. A CIE pointer counts back within
    /// its own part, so it stays right; relocations move with their records.
    func withOneUnwindSection() -> Payload {
        let unwind = sections.indices.filter { sections[$0].kind == .unwindFrames }
        guard unwind.count > 1, let first = unwind.first else { return self }
        var bytes: [UInt8] = []
        var relocations: [PayloadRelocation] = []
        for i in unwind {
            let s = sections[i]
            let body = s.bytes.count >= 4 ? Array(s.bytes.dropLast(4)) : s.bytes
            let shift = UInt64(bytes.count)
            relocations += s.relocations.map { r in
                var r = r
                r.offset += shift
                return r
            }
            bytes += body
        }
        bytes += [0, 0, 0, 0]
        var merged = sections[first]
        merged.bytes = bytes
        merged.relocations = relocations
        merged.alignment = unwind.map { sections[$0].alignment }.max() ?? merged.alignment
        // Drop the other unwind sections and renumber what points past them.
        let dropped = Set(unwind.dropFirst())
        var newIndex: [Int: UInt32] = [:]
        var kept: [LoadSection] = []
        for (i, s) in sections.enumerated() where !dropped.contains(i) {
            newIndex[i] = UInt32(kept.count)
            kept.append(i == first ? merged : s)
        }
        func renumber(_ t: RelocationTarget) -> RelocationTarget {
            if case let .section(i) = t { return .section(newIndex[Int(i)] ?? newIndex[first] ?? i) }
            return t
        }
        for k in kept.indices {
            kept[k].relocations = kept[k].relocations.map { r in
                var r = r
                r.target = renumber(r.target)
                return r
            }
        }
        var out = self
        out.sections = kept
        out.functions = functions.map { f in
            var f = f
            f.replacementSection = newIndex[Int(f.replacementSection)] ?? f.replacementSection
            return f
        }
        return out
    }
}
