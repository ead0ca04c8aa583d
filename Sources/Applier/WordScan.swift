import Target

/// The code ranges a scan looks for, sorted for lookup.
struct BusyIndex {
    let sorted: [BusyRange]
    /// Words outside [low, high) cannot hit any range; the loops test this first.
    let low: UInt64
    let high: UInt64

    init(_ ranges: [BusyRange]) {
        sorted = ranges.sorted { $0.range.lowerBound < $1.range.lowerBound }
        low = sorted.map(\.range.lowerBound).min() ?? 0
        high = sorted.map(\.range.upperBound).max() ?? 0
    }

    /// The range holding `v`, if any.
    func range(containing v: UInt64) -> BusyRange? {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid].range.upperBound <= v { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo].range.contains(v) ? sorted[lo] : nil
    }

    /// The range a stored word uses. A word equal to the very start of a
    /// range is not a use: it is a function pointer (calling through it
    /// reaches the new jump, which is what patching wants), or the dead
    /// return address of a `noreturn` call that ends the function before it.
    func use(_ v: UInt64) -> BusyRange? {
        guard v >= low, v < high, let r = range(containing: v), v != r.range.lowerBound else { return nil }
        return r
    }
}

/// The mappings of the target at the moment of the check, sorted.
struct MapIndex {
    let sorted: [MapEntry]

    init(_ maps: [MapEntry]) { sorted = maps.sorted { $0.start < $1.start } }

    func containing(_ a: UInt64) -> MapEntry? {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid].end <= a { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.count && sorted[lo].contains(a) ? sorted[lo] : nil
    }

    /// The mapping that ends exactly where `m` starts, if any.
    func below(_ m: MapEntry) -> MapEntry? {
        containing(m.start &- 1).flatMap { $0.end == m.start ? $0 : nil }
    }
}

/// What a read of target memory found: uses of the code, and (on stacks)
/// signal frames whose interrupted context must be scanned as well.
struct WordHits {
    var uses: [(slot: UInt64, value: UInt64, range: BusyRange)] = []
    var frames: [SignalFrame.Found] = []
}

enum WordScan {
    /// Scans `bytes`, read from `base`, 8 bytes at a time (stack slots and
    /// saved registers are 8-byte aligned; `base` is).
    static func scan(_ bytes: [UInt8], base: UInt64, index: BusyIndex, findFrames: Bool, limit: Int = 64) -> WordHits {
        var out = WordHits()
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if v >= index.low && v < index.high, let r = index.use(v), out.uses.count < limit {
                    out.uses.append((base &+ UInt64(i), v, r))
                }
                if findFrames, SignalFrame.isSelectorWord(v),
                   let f = SignalFrame.candidate(selectorAt: i, in: raw, base: base) {
                    out.frames.append(f)
                }
                i += 8
            }
        }
        return out
    }
}
