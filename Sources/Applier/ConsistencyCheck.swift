import Target

/// Code that must not be in use while its entry changes.
struct BusyRange {
    let range: Range<UInt64>
    let name: String
}

/// A thread found using code that is about to change.
struct BusyThread {
    let tid: Int32
    let name: String
    let how: String
}

/// Looks at every stopped thread: its instruction pointer, and every word of
/// its live stack (a return address or a saved pointer into the code).
enum ConsistencyCheck {
    static let maxStackScan: UInt64 = 8 << 20

    static func findBusy(world: any ThreadStop, memory: any Memory, maps: [MapEntry], ranges: [BusyRange]) throws -> BusyThread? {
        guard !ranges.isEmpty else { return nil }
        let sorted = ranges.sorted { $0.range.lowerBound < $1.range.lowerBound }
        func hit(_ v: UInt64) -> BusyRange? {
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid].range.upperBound <= v { lo = mid + 1 } else { hi = mid }
            }
            return lo < sorted.count && sorted[lo].range.contains(v) ? sorted[lo] : nil
        }
        for tid in world.threads {
            let regs = try world.pointers(tid)
            if let b = hit(regs.instruction) { return BusyThread(tid: tid, name: b.name, how: "executing") }
            let sp = regs.stack
            guard let stack = maps.first(where: { $0.contains(sp) }) else { continue }
            let end = min(stack.end, sp + maxStackScan)
            let start = sp & ~7
            guard end > start else { continue }
            let words = try memory.read(start, count: Int(end - start))
            var i = 0
            while i + 8 <= words.count {
                var v: UInt64 = 0
                for k in 0..<8 { v |= UInt64(words[i + k]) << (8 * UInt64(k)) }
                if let b = hit(v) { return BusyThread(tid: tid, name: b.name, how: "inside (its stack points into)") }
                i += 8
            }
        }
        return nil
    }
}
