import Target

/// Picks where to map a payload's code so that a rel32 reaches both ways
/// between it and every part of the module it patches.
enum RegionPlacer {
    /// Stay clear of the reach limit, and of the brk heap's room to grow.
    static let reach: UInt64 = (1 << 31) - (16 << 20)
    static let heapRoom: UInt64 = 256 << 20

    static func candidates(maps: [MapEntry], module: LoadedModule, size: UInt64) -> [UInt64] {
        let heapEnd = maps.first { $0.path == "[heap]" }?.end
        var out: [UInt64] = []
        for gap in MemoryMap.gaps(maps) where gap.upperBound - gap.lowerBound >= size {
            var lo = (gap.lowerBound + 0xfff) & ~0xfff
            if let h = heapEnd, lo >= h, lo < h + heapRoom { lo = h + heapRoom }
            let hi = (gap.upperBound - size) & ~0xfff
            for c in [lo, hi] where c >= gap.lowerBound && c + size <= gap.upperBound && c >= lo {
                let span = max(module.end, c + size) - min(module.start, c)
                if span < reach && !out.contains(c) { out.append(c) }
            }
        }
        return out.sorted { distance($0, size, module) < distance($1, size, module) }
    }

    private static func distance(_ c: UInt64, _ size: UInt64, _ m: LoadedModule) -> UInt64 {
        c >= m.end ? c - m.end : (m.start >= c + size ? m.start - (c + size) : 0)
    }
}
