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
        let u = try Universe.load("counter")
        guard let file = u.files.first(where: { $0.payload.name == "fixA" }) else { throw TestFailure("no fixA") }
        let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
        let session = try LiveSession(target: sim)
        let f = file.payload.functions[0]
        let entry = try sim.module(named: f.module).liveAddress(f.oldAddress)
        let sp = sim.threadPointers.stack
        func word(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        switch place {
        case .none: break
        case .stackPointerToEntry: try sim.write(sp + 16, bytes: word(entry))
        case .stackReturnAddressInside: try sim.write(sp + 16, bytes: word(entry + 7))
        case .instructionInside: sim.threadPointers.instruction = entry + 2
        }
        let before = try u.codeBytes(session)
        do {
            _ = try session.apply(file, timeoutSeconds: 0.05)
            return (0, try u.codeBytes(session) == before)
        } catch {
            return (SequenceRunner.exitCode(error), try u.codeBytes(session) == before)
        }
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
