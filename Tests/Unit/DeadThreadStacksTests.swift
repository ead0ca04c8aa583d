@testable import Applier
import Target
import Testing

/// Each proof DeadThreadStacks requires, taken away alone, keeps a mapping
/// from being called dead (the live test covers glibc's real layout).
@Suite struct DeadThreadStacksTests {
    static let idOffset = 0x2d0
    static let guardMap = MapEntry(start: 0x1_0000, end: 0x1_1000, permissions: "---p", offset: 0, inode: 0, path: "")
    static let stack = MapEntry(start: 0x1_1000, end: 0x3_1000, permissions: "rw-p", offset: 0, inode: 0, path: "")
    static let liveBlock: UInt64 = 0x9_0000
    static let deadBlock: UInt64 = 0x3_0000 + 0x6c0

    /// Sparse memory: 8-byte words and 4-byte IDs at given addresses, zero elsewhere.
    struct Memory {
        var words: [UInt64: UInt64] = [:]
        var ids: [UInt64: UInt32] = [:]

        mutating func block(at a: UInt64, id: Int32) {
            words[a] = a
            words[a + 16] = a
            ids[a + UInt64(DeadThreadStacksTests.idOffset)] = UInt32(bitPattern: id)
        }

        func read(_ address: UInt64, _ count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            for (a, w) in words where a >= address && a + 8 <= address + UInt64(count) {
                for i in 0..<8 { bytes[Int(a - address) + i] = UInt8(truncatingIfNeeded: w >> (8 * UInt64(i))) }
            }
            for (a, v) in ids where a >= address && a + 4 <= address + UInt64(count) {
                for i in 0..<4 { bytes[Int(a - address) + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
            }
            return bytes
        }
    }

    func memory(deadID: Int32) -> Memory {
        var m = Memory()
        m.block(at: Self.liveBlock, id: 4242)
        m.block(at: Self.deadBlock, id: deadID)
        return m
    }

    func dead(_ mem: Memory, threadPointer: UInt64 = liveBlock, live: Bool = false,
              below: MapEntry? = guardMap, mapping: MapEntry = stack) -> Bool {
        guard let d = DeadThreadStacks(threads: [(4242, threadPointer)], read: mem.read) else { return false }
        return d.isDead(mapping, live: live, below: below, read: mem.read)
    }

    @Test(arguments: [Int32(0), -1]) func exitedOrJoinedThreadsStackIsDead(_ id: Int32) {
        #expect(DeadThreadStacks(threads: [(4242, Self.liveBlock)], read: memory(deadID: id).read)?.idOffsets
                == [Self.idOffset])
        #expect(dead(memory(deadID: id)))
    }

    @Test func aLiveThreadsIDKeepsItsStack() {
        #expect(!dead(memory(deadID: 4243)))
    }

    @Test func aLiveThreadsBlockInsideKeepsIt() {
        // The thread runs elsewhere (a coroutine) but its block is here.
        var mem = memory(deadID: 0)
        mem.block(at: Self.deadBlock, id: 4242)
        #expect(!dead(mem, threadPointer: Self.deadBlock))
    }

    @Test func aLiveStackPointerInsideKeepsIt() {
        #expect(!dead(memory(deadID: 0), live: true))
    }

    @Test func noGuardBelowIsNoThreadStack() {
        #expect(!dead(memory(deadID: 0), below: nil))
        let readable = MapEntry(start: 0x1_0000, end: 0x1_1000, permissions: "r--p", offset: 0, inode: 0, path: "")
        #expect(!dead(memory(deadID: 0), below: readable))
    }

    @Test func twoBlocksAtTheTopAreAmbiguous() {
        var mem = memory(deadID: 0)
        mem.block(at: Self.deadBlock - 0x1000, id: 0)
        #expect(!dead(mem))
    }

    @Test func aFileMappingIsNeverAStack() {
        let file = MapEntry(start: 0x1_1000, end: 0x3_1000, permissions: "rw-p", offset: 0, inode: 7, path: "/x")
        #expect(!dead(memory(deadID: 0), mapping: file))
    }

    @Test func liveThreadsWithoutTheLayoutTeachNothing() {
        var mem = memory(deadID: 0)
        mem.words[Self.liveBlock + 16] = 0
        #expect(DeadThreadStacks(threads: [(4242, Self.liveBlock)], read: mem.read) == nil)
        #expect(DeadThreadStacks(threads: [(4242, 0)], read: mem.read) == nil)
    }

    /// An offset holding the ID only by chance in one thread is dropped by
    /// another thread's block, and every remaining offset must read dead.
    @Test func everyCandidateOffsetMustReadDead() {
        var mem = memory(deadID: 0)
        mem.ids[Self.liveBlock + 0x100] = 4242
        mem.ids[Self.deadBlock + 0x100] = 4242
        #expect(!dead(mem))
        mem.block(at: 0xa_0000, id: 4243)
        let d = DeadThreadStacks(threads: [(4242, Self.liveBlock), (4243, 0xa_0000)], read: mem.read)
        #expect(d?.idOffsets == [Self.idOffset])
        #expect(d?.isDead(Self.stack, live: false, below: Self.guardMap, read: mem.read) == true)
    }
}
