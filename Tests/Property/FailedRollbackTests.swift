import Applier
import Foundation
import Target
import TestSupport
import Testing

/// A simulated process whose writes start failing inside the stop window,
/// right after the first write into the module's code: the commit fails,
/// and so does the rollback of that first write.
final class FailingWrites: ProcessControl, @unchecked Sendable {
    let base: SimulatedProcess
    let code: ClosedRange<UInt64>
    private var armed = false
    private var broken = false

    init(_ base: SimulatedProcess, code: ClosedRange<UInt64>) {
        self.base = base
        self.code = code
    }

    var pid: Int32 { base.pid }
    var isAlive: Bool { base.isAlive }
    func read(_ address: UInt64, count: Int) throws -> [UInt8] { try base.read(address, count: count) }
    func write(_ address: UInt64, bytes: [UInt8]) throws {
        if broken { throw TargetError.io(what: "write", address: address, count: bytes.count, reason: "planted") }
        try base.write(address, bytes: bytes)
        if armed, code.contains(address) { broken = true }
    }
    func modules() throws -> [LoadedModule] { try base.modules() }
    func maps() throws -> [MapEntry] { try base.maps() }
    func withSyscalls<T>(_ body: (any SyscallPort) throws -> T) throws -> T { try base.withSyscalls(body) }
    func stopAll(timeoutSeconds: Double) throws -> any ThreadStop {
        armed = true
        return try base.stopAll(timeoutSeconds: timeoutSeconds)
    }
}

/// When the window cannot be rolled back, a jump may still lead into the
/// new code: the code must stay mapped (and its journal stay for
/// `recover`), never be freed under that jump.
@Suite struct FailedRollbackTests {
    @Test(arguments: ["counter", "chain"])
    func failedRollbackKeepsTheNewCodeMapped(program: String) throws {
        let u = try Universe.load(program)
        let virgin = PatchModel(payloads: u.specs)
        guard let i = u.specs.indices.first(where: { virgin.verdict(u.specs[$0]) == .applicable }) else {
            throw TestFailure("\(program): no payload applies to the virgin program")
        }
        let file = u.files[i]
        let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
        let m = try sim.module(named: file.payload.functions[0].module)
        let target = FailingWrites(sim, code: m.start...m.end)
        let session = try LiveSession(target: target)
        var code: Int32 = 0
        do { _ = try session.apply(file, timeoutSeconds: 1) } catch { code = SequenceRunner.exitCode(error) }
        #expect(code == 3, "\(program) \(file.payload.name): a failed rollback must be reported as exit 3")
        // The entry that could not be restored jumps somewhere: still mapped.
        let fn = file.payload.functions[0]
        let entry = try sim.read(m.liveAddress(fn.oldAddress), count: 5)
        #expect(entry[0] == 0xE9, "\(program) \(file.payload.name): the first write was expected to stay")
        if entry[0] == 0xE9 {
            let rel = Int32(bitPattern: UInt32(entry[1]) | UInt32(entry[2]) << 8 | UInt32(entry[3]) << 16
                | UInt32(entry[4]) << 24)
            let to = UInt64(bitPattern: Int64(bitPattern: m.liveAddress(fn.oldAddress) + 5) + Int64(rel))
            #expect(try sim.maps().contains { $0.contains(to) },
                    "\(program) \(file.payload.name): the entry jumps to 0x\(String(to, radix: 16)), now unmapped")
        }
    }
}
