import Target
import Testing

/// The rules of the stop-window check on a simulated process, one at a
/// time: which words count (live stack, signal frames, other writable
/// memory) and which do not (the dead part of a stack), and that a stack
/// xsplice cannot place is busy.
@Suite struct StackRulesTests {
    func apply(_ setup: (SimulatedProcess, _ entry: UInt64, _ sp: UInt64) throws -> Void) throws
        -> (code: Int32, message: String, unchanged: Bool) { try SimulatedApply.run(setup) }

    static func word(_ v: UInt64) -> [UInt8] { SimulatedApply.word(v) }

    @Test func returnAddressInTheHeapBlocks() throws {
        let r = try apply { sim, entry, _ in
            let heap = try #require(try sim.maps().first { $0.path == "[heap]" })
            try sim.write(heap.start + 0x800, bytes: Self.word(entry + 7))
        }
        #expect(r.code == 1 && r.unchanged)
        #expect(r.message.contains("live part of no thread's stack"), "\(r.message)")
    }

    @Test func deadPartOfTheStackDoesNotBlock() throws {
        let r = try apply { sim, entry, sp in try sim.write(sp - 0x200, bytes: Self.word(entry + 7)) }
        #expect(r.code == 0, "\(r.message)")
    }

    /// A handler's frame on the live stack whose interrupted stack pointer
    /// lies below the thread's: the interrupted frames are scanned too.
    @Test func stackInterruptedUnderASignalFrameBlocks() throws {
        func frame(_ valid: Bool) throws -> (code: Int32, message: String, unchanged: Bool) {
            try apply { sim, entry, top in
                let sp = top - 0x800
                sim.threadPointers.stack = sp
                let uc = sp + 0x48
                // pretcode: any executable address (the restorer).
                try sim.write(uc - 8, bytes: Self.word(valid ? entry : 0))
                try sim.write(uc + 160, bytes: Self.word(sp - 0x1000))
                try sim.write(uc + 168, bytes: Self.word(entry - 0x10))
                try sim.write(uc + 184, bytes: Self.word(0x002b_0000_0000_0033))
                try sim.write(sp - 0x1000 + 0x18, bytes: Self.word(entry + 7))
            }
        }
        let r = try frame(true)
        #expect(r.code == 1 && r.unchanged)
        #expect(r.message.contains("signal handler"), "\(r.message)")
        // The same words without a restorer are no frame: below sp is dead.
        #expect(try frame(false).code == 0)
    }

    @Test func signalFrameInterruptedInsideBlocks() throws {
        let r = try apply { sim, entry, top in
            let sp = top - 0x800
            sim.threadPointers.stack = sp
            let uc = sp + 0x48
            try sim.write(uc - 8, bytes: Self.word(entry))
            try sim.write(uc + 160, bytes: Self.word(sp + 0x400))
            try sim.write(uc + 168, bytes: Self.word(entry + 3))
            try sim.write(uc + 184, bytes: Self.word(0x002b_0000_0000_0033))
        }
        #expect(r.code == 1 && r.unchanged)
        #expect(r.message.contains("interrupted by a signal"), "\(r.message)")
    }

    @Test func stackPointerInNoMappingBlocks() throws {
        // Seen so inside the stop only: remote calls before it need a stack.
        let r = try apply { sim, _, _ in
            sim.stopPointers = ThreadPointers(instruction: sim.threadPointers.instruction, stack: 0x1000)
        }
        #expect(r.code == 1 && r.unchanged)
        #expect(r.message.contains("cannot place"), "\(r.message)")
    }
}
