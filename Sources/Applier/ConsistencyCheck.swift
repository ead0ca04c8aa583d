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
///
/// A stack word equal to the very start of a range is not a use: it is a
/// function pointer (calling through it reaches the new jump, which is what
/// patching wants), or the dead return address of a `noreturn` call that
/// ends the function before it. Refusing on it would keep a function that a
/// thread merely holds a pointer to unpatchable forever.
enum ConsistencyCheck {
    static let maxStackScan: UInt64 = 64 << 20

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
        // Words outside [low, high) cannot hit any range: the scan below only
        // looks closer at the few that fall inside.
        let low = sorted.map(\.range.lowerBound).min() ?? 0
        let high = sorted.map(\.range.upperBound).max() ?? 0
        var stacks: [(tid: Int32, address: UInt64, count: Int)] = []
        for tid in world.threads {
            let regs = try world.pointers(tid)
            if let b = hit(regs.instruction) { return BusyThread(tid: tid, name: b.name, how: "executing") }
            let sp = regs.stack
            guard let stack = maps.first(where: { $0.contains(sp) }) else { continue }
            let start = sp & ~7
            let end = min(stack.end, start + maxStackScan)
            if end > start { stacks.append((tid, start, Int(end - start))) }
        }
        // One read per thread straight into the array that is scanned: a
        // batched read would copy megabytes of deep stacks once more.
        for s in stacks {
            let bytes = try memory.read(s.address, count: s.count)
            let found: BusyRange? = bytes.withUnsafeBytes { raw in
                var i = 0
                while i + 8 <= raw.count {
                    let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if v >= low && v < high, let b = hit(v), v != b.range.lowerBound { return b }
                    i += 8
                }
                return nil
            }
            if let b = found { return BusyThread(tid: s.tid, name: b.name, how: "inside (its stack points into)") }
        }
        return nil
    }
}
