import Applier
import Payload
import Target
import TestSupport
import Testing

/// The consistency check on a simulated thread: what on its stack or in its
/// instruction pointer makes a function busy, and what does not.
@Suite struct ConsistencyCheckTests {
    enum Where { case none, stackPointerToEntry, stackReturnAddressInside, instructionInside }

    /// Applies counter's fixA with the simulated thread set up as `place`
    /// says; returns the exit code and whether the code is unchanged.
    func applyWith(_ place: Where) throws -> (Int32, Bool) {
        let r = try SimulatedApply.run { sim, entry, sp in
            switch place {
            case .none: break
            case .stackPointerToEntry: try sim.write(sp + 16, bytes: SimulatedApply.word(entry))
            case .stackReturnAddressInside: try sim.write(sp + 16, bytes: SimulatedApply.word(entry + 7))
            case .instructionInside: sim.threadPointers.instruction = entry + 2
            }
        }
        return (r.code, r.unchanged)
    }

    @Test func idleThreadDoesNotBlock() throws {
        #expect(try applyWith(.none).0 == 0)
    }

    @Test func functionPointerOnTheStackDoesNotBlock() throws {
        #expect(try applyWith(.stackPointerToEntry).0 == 0)
    }

    @Test func returnAddressInsideBlocksAndChangesNothing() throws {
        let (code, unchanged) = try applyWith(.stackReturnAddressInside)
        #expect(code == 1)
        #expect(unchanged)
    }

    @Test func instructionPointerInsideBlocksAndChangesNothing() throws {
        let (code, unchanged) = try applyWith(.instructionInside)
        #expect(code == 1)
        #expect(unchanged)
    }
}
