import Target

/// Recognizes the stacks of threads that have exited, which glibc keeps
/// mapped for reuse (its stack cache, up to 40 MiB). They still hold the
/// return addresses their threads left behind, so a thread-per-connection
/// server would otherwise block every revert for as long as the cache
/// lives, yet no code can ever run on them again.
///
/// A mapping is dead only when all of this holds, each a separate proof:
/// - it is shaped like a pthread stack (anonymous, writable, directly above
///   a no-access guard mapping) and no live thread's stack pointer or
///   thread pointer lies in it, so it is no live thread's stack, even one
///   that switched to a coroutine elsewhere;
/// - exactly one thread control block sits at its top, recognized by the
///   x86-64 layout every live thread's own block shows (words 0 and 2
///   point at the block itself);
/// - that block's thread ID is not a thread's: 0, which the kernel writes
///   when the thread exits (CLONE_CHILD_CLEARTID), or -1, which glibc
///   writes once it is joined. A live thread's is its positive ID, set by
///   clone before it runs. The ID's offset is learned, not assumed: every
///   offset at which every live thread's block holds that thread's own ID,
///   and all of them must read 0 or less.
/// A C library that lays out its blocks otherwise, or does not clear the
/// ID (musl clears another word), is never recognized: its cached stacks
/// are scanned like any other memory, and block the operation.
struct DeadThreadStacks {
    /// Bytes of a control block read to learn where the thread ID is.
    static let blockWindow = 4096
    /// How far below a stack mapping's end its control block may begin
    /// (glibc puts it at the top, below its own alignment padding).
    static let topWindow: UInt64 = 16 << 10

    /// Offsets at which every live thread's control block holds its own ID.
    let idOffsets: [Int]
    /// Where live threads keep their control blocks.
    let liveBlocks: [UInt64]

    /// Nil when the live threads' control blocks do not show the layout,
    /// or show no common ID offset: then nothing is recognized as dead.
    init?(threads: [(tid: Int32, threadPointer: UInt64)], read: (UInt64, Int) -> [UInt8]?) {
        var common: Set<Int>?
        for t in threads {
            guard t.threadPointer != 0, t.tid > 0, let block = read(t.threadPointer, Self.blockWindow),
                  block.count == Self.blockWindow, Self.word(block, 0) == t.threadPointer,
                  Self.word(block, 16) == t.threadPointer else { return nil }
            let own = UInt32(t.tid)
            let offsets = Set(stride(from: 0, to: block.count - 3, by: 4).filter { Self.half(block, $0) == own })
            common = common.map { $0.intersection(offsets) } ?? offsets
        }
        guard let found = common, !found.isEmpty else { return nil }
        idOffsets = found.sorted()
        liveBlocks = threads.map(\.threadPointer)
    }

    /// Whether `m` is an exited thread's cached stack. `live` says whether a
    /// live thread's stack pointer lies in it; `below` is the mapping just
    /// under it, if adjacent.
    func isDead(_ m: MapEntry, live: Bool, below: MapEntry?, read: (UInt64, Int) -> [UInt8]?) -> Bool {
        guard !live, m.inode == 0, m.path.isEmpty, m.permissions.hasPrefix("rw"),
              below?.permissions.hasPrefix("---") == true,
              !liveBlocks.contains(where: { m.contains($0) }),
              let last = idOffsets.last, m.size > UInt64(last + 4) else { return false }
        let start = m.end - min(m.size, Self.topWindow)
        guard let top = read(start, Int(m.end - start)) else { return false }
        let span = last + 4
        var blocks: [Int] = []
        for i in stride(from: 0, to: top.count - 23, by: 8) {
            let address = start + UInt64(i)
            if Self.word(top, i) == address, Self.word(top, i + 16) == address { blocks.append(i) }
        }
        guard blocks.count == 1, let b = blocks.first, b + span <= top.count else { return false }
        return idOffsets.allSatisfy { Int32(bitPattern: Self.half(top, b + $0)) <= 0 }
    }

    static func word(_ b: [UInt8], _ i: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) }
    }

    static func half(_ b: [UInt8], _ i: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * UInt32($1)) }
    }
}
