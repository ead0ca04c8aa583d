import Applier
import Foundation
import OldCodeCheck
import Payload
import Target
import TestSupport
import Testing

/// A simulated process whose next stop-the-world first runs a hook: the
/// hook plays another operator acting in the gap between an operation's
/// first look at the target and its re-check inside the stop window.
final class InterferingProcess: ProcessControl, @unchecked Sendable {
    let base: SimulatedProcess
    /// Runs once, at the next stopAll, before the threads are held.
    var beforeNextStop: (() throws -> Void)?
    /// Runs once, at the next remote system call window (code loading).
    var beforeNextSyscalls: (() throws -> Void)?

    init(_ base: SimulatedProcess) { self.base = base }

    var pid: Int32 { base.pid }
    var isAlive: Bool { base.isAlive }
    func read(_ address: UInt64, count: Int) throws -> [UInt8] { try base.read(address, count: count) }
    func write(_ address: UInt64, bytes: [UInt8]) throws { try base.write(address, bytes: bytes) }
    func modules() throws -> [LoadedModule] { try base.modules() }
    func maps() throws -> [MapEntry] { try base.maps() }
    func withSyscalls<T>(_ body: (any SyscallPort) throws -> T) throws -> T {
        if let hook = beforeNextSyscalls {
            beforeNextSyscalls = nil
            try hook()
        }
        return try base.withSyscalls(body)
    }
    func stopAll(timeoutSeconds: Double) throws -> any ThreadStop {
        if let hook = beforeNextStop {
            beforeNextStop = nil
            try hook()
        }
        return try base.stopAll(timeoutSeconds: timeoutSeconds)
    }
}

/// apply must judge the pre-state again inside the stop window: what it saw
/// before stopping the threads may no longer hold.
@Suite struct WindowRecheckTests {
    /// What the target looked like right after the interference. The
    /// mapping count leaves out the code region the interrupted apply has
    /// already loaded, which a refusal must unmap.
    struct Snapshot {
        var bytes: [String: [UInt8]] = [:]
        var registry = Registry()
        var mappings = 0
    }

    /// Exit code of one apply, as the CLI would report it.
    static func exitCode(_ body: () throws -> Void) -> (Int32, String) {
        do { try body(); return (0, "applied") } catch { return (SequenceRunner.exitCode(error), "\(error)") }
    }

    /// A foreign write to a function the payload patches, made after the
    /// first check, must make apply refuse and leave the target as it was.
    @Test(arguments: InMemoryPropertyTests.programs)
    func foreignWriteInTheGapIsRefused(program: String) throws {
        let u = try Universe.load(program)
        var checked = 0
        for (i, file) in u.files.enumerated() where PatchModel(payloads: u.specs).verdict(u.specs[i]) == .applicable {
            let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
            let target = InterferingProcess(sim)
            let session = try LiveSession(target: target)
            let fn = file.payload.functions[0]
            var after = Snapshot()
            target.beforeNextStop = {
                let at = try sim.module(named: fn.module).liveAddress(fn.oldAddress) + UInt64(fn.oldSize - 1)
                try sim.write(at, bytes: [try sim.read(at, count: 1)[0] ^ 0xFF])
                // A refusal must also clear the operation's own pending journal.
                var reg = try session.registry()
                reg.journal = nil
                after = Snapshot(bytes: try u.codeBytes(session), registry: reg, mappings: sim.mappingCount - 1)
            }
            let (code, message) = Self.exitCode { _ = try session.apply(file, timeoutSeconds: 1) }
            #expect(target.beforeNextStop == nil, "\(program) \(file.payload.name): the window was never opened")
            #expect(
                code == 1,
                """
                \(program) \(file.payload.name): \(fn.displayName) turned foreign before the window, yet apply gave \
                exit \(code): \(message)
                """
            )
            #expect(
                try u.codeBytes(session) == after.bytes,
                "\(program) \(file.payload.name): refused, yet code bytes changed")
            #expect(
                try session.registry() == after.registry,
                "\(program) \(file.payload.name): refused, yet the registry changed")
            #expect(sim.mappingCount == after.mappings, "\(program) \(file.payload.name): a code region leaked")
            checked += 1
        }
        #expect(checked > 0, "\(program): no payload applies to the virgin program")
    }

    /// Another operator applies payload i in the gap; apply of j must then
    /// do what the model says for j on top of i: stack where j accepts i,
    /// refuse (changing nothing) where it does not.
    @Test(arguments: InMemoryPropertyTests.programs)
    func anotherApplyInTheGapIsJudgedAgain(program: String) throws {
        let u = try Universe.load(program)
        let virgin = PatchModel(payloads: u.specs)
        for (i, si) in u.specs.enumerated() where virgin.verdict(si) == .applicable {
            for (j, sj) in u.specs.enumerated() where j != i && virgin.verdict(sj) == .applicable
                && !Set(si.functions).isDisjoint(with: sj.functions) {
                var model = virgin
                _ = model.apply(si)
                let expected = model.apply(sj)
                let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
                let target = InterferingProcess(sim)
                let session = try LiveSession(target: target)
                let other = try LiveSession(target: sim)
                var after = Snapshot()
                // After our first look, before our code is loaded and our
                // journal written: the last moment another operator can act.
                target.beforeNextSyscalls = {
                    _ = try other.apply(u.files[i], timeoutSeconds: 1)
                    after = Snapshot(
                        bytes: try u.codeBytes(session), registry: try session.registry(), mappings: sim.mappingCount)
                }
                let (code, message) = Self.exitCode { _ = try session.apply(u.files[j], timeoutSeconds: 1) }
                let what = "\(program): \(si.name) applied in the gap, then \(sj.name)"
                #expect(target.beforeNextSyscalls == nil, "\(what): the code was never loaded")
                #expect(code == expected, "\(what): exit \(code) (\(message)), model expects \(expected)")
                let observed = try u.observedStates(session)
                for (k, _) in u.functions where observed[k] != model.state(k) {
                    Issue.record("\(what): \(k) is \(observed[k] ?? "?"), model says \(model.state(k))")
                }
                #expect(
                    try session.registry().records.map(\.name) == model.applied,
                    "\(what): registry differs from the model")
                if code != 0 {
                    #expect(try u.codeBytes(session) == after.bytes, "\(what): refused, yet code bytes changed")
                    #expect(try session.registry() == after.registry, "\(what): refused, yet the registry changed")
                    #expect(sim.mappingCount == after.mappings, "\(what): a code region leaked")
                }
            }
        }
    }

    /// Once an operation has recorded its loaded code, another operator's
    /// apply is refused until it is done: nobody can act in its window's gap.
    @Test(arguments: InMemoryPropertyTests.programs)
    func pendingOperationHoldsOffOtherOperators(program: String) throws {
        let u = try Universe.load(program)
        let virgin = PatchModel(payloads: u.specs)
        guard let i = u.specs.indices.first(where: { virgin.verdict(u.specs[$0]) == .applicable }) else { return }
        let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
        let target = InterferingProcess(sim)
        let session = try LiveSession(target: target)
        let other = try LiveSession(target: sim)
        var otherCode: Int32 = -1
        target.beforeNextStop = {
            let (c, _) = Self.exitCode { _ = try other.apply(u.files[i], timeoutSeconds: 1) }
            otherCode = c
        }
        let (code, message) = Self.exitCode { _ = try session.apply(u.files[i], timeoutSeconds: 1) }
        #expect(otherCode == 1, "\(program): another operator acted while an operation was pending")
        #expect(code == 0, "\(program): \(message)")
        #expect(try session.registry().records.map(\.name) == [u.specs[i].name])
    }

    /// Something rewrites the registry in the gap (its generation moves on):
    /// the operation must plan again from it, not install the registry it
    /// encoded before the stop over the newer one.
    @Test func registryRewrittenInTheGapIsNotOverwritten() throws {
        let u = try Universe.load("counter")
        guard let a = u.files.firstIndex(where: { $0.payload.name == "fixA" }),
            let b = u.files.firstIndex(where: { $0.payload.name == "fixB" })
        else { throw TestFailure("counter lacks fixA/fixB") }
        let sim = try SimulatedProcess(binary: u.manifest.patchedFile)
        let target = InterferingProcess(sim)
        let session = try LiveSession(target: target)
        _ = try session.apply(u.files[a], timeoutSeconds: 1)
        let store = RegistryStore(target: sim)
        target.beforeNextStop = {
            guard let base = try store.location() else { throw TestFailure("no registry") }
            var reg = try store.load()
            reg.records[0].appliedAtMicros = 42
            try store.save(reg, at: base, readAt: try store.generation(at: base))
        }
        _ = try session.apply(u.files[b], timeoutSeconds: 1)
        #expect(target.beforeNextStop == nil, "the window was never opened")
        let after = try session.registry()
        #expect(after.records.map(\.name) == ["fixA", "fixB"])
        #expect(after.records.first?.appliedAtMicros == 42, "the registry written in the gap was overwritten")
    }
}
