import Applier
import TestSupport

/// Applies counter's fixA to a fresh simulated process after `setup` has
/// arranged its memory and thread (given fixA's live entry and the stack
/// pointer); returns the exit code, the error text and whether the code
/// bytes are unchanged.
enum SimulatedApply {
    static func run(_ setup: (SimulatedProcess, _ entry: UInt64, _ sp: UInt64) throws -> Void) throws
        -> (code: Int32, message: String, unchanged: Bool) {
        let u = try Universe.load("counter")
        guard let file = u.files.first(where: { $0.payload.name == "fixA" }) else { throw TestFailure("no fixA") }
        let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
        let session = try LiveSession(target: sim)
        let f = file.payload.functions[0]
        let entry = try sim.module(named: f.module).liveAddress(f.oldAddress)
        try setup(sim, entry, sim.threadPointers.stack)
        let before = try u.codeBytes(session)
        do {
            _ = try session.apply(file, timeoutSeconds: 0.05)
            return (0, "", try u.codeBytes(session) == before)
        } catch {
            return (SequenceRunner.exitCode(error), "\(error)", try u.codeBytes(session) == before)
        }
    }

    /// A little-endian 64-bit word.
    static func word(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}
