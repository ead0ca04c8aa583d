import Applier
import Hash
import OldCodeCheck
import Payload
import Target
import TestSupport
import Testing

/// A simulated `counter` with payloads to apply, and the tools to damage
/// what they wrote the way another tool, a bug or an attacker would.
struct TamperFixture {
    let universe: Universe
    let sim: SimulatedProcess
    let session: LiveSession

    init() throws {
        universe = try Universe.load("counter")
        sim = try SimulatedProcess(binary: universe.manifest.patchedFile)
        session = try LiveSession(target: sim)
    }

    func file(_ variant: String) throws -> PayloadFile {
        guard let f = universe.files.first(where: { $0.payload.name == variant }) else {
            throw TestFailure("no payload \(variant)")
        }
        return f
    }

    func function(_ symbol: String) throws -> FunctionPatch {
        guard let f = universe.functions.first(where: { $0.patch.symbol == symbol })?.patch else {
            throw TestFailure("no function \(symbol)")
        }
        return f
    }

    func entry(_ symbol: String) throws -> UInt64 {
        let f = try function(symbol)
        return try sim.module(named: f.module).liveAddress(f.oldAddress)
    }

    func site(_ variant: String, _ symbol: String) throws -> AppliedSite {
        let e = try entry(symbol)
        guard let s = try session.registry().records.first(where: { $0.name == variant })?
            .functions.first(where: { $0.site.entryAddress == e })?.site else {
            throw TestFailure("\(variant) is not recorded at \(symbol)")
        }
        return s
    }

    func flip(_ address: UInt64) throws {
        let b = try sim.read(address, count: 1)
        try sim.write(address, bytes: [b[0] ^ 0x5a])
    }

    /// A `jmp rel32` written at `at` to `to`, as another patcher would.
    func writeJump(at: UInt64, to: UInt64) throws {
        let rel = Int32(truncatingIfNeeded: Int64(bitPattern: to &- (at &+ 5)))
        let u = UInt32(bitPattern: rel)
        try sim.write(at, bytes: [0xe9] + (0..<4).map { UInt8(truncatingIfNeeded: u >> (8 * $0)) })
    }

    func state(_ symbol: String) throws -> FunctionState {
        try Verifier(target: sim, registry: try session.registry()).state(of: try function(symbol)).state
    }

    /// Every byte the operations could change: each function, each loaded
    /// region, and the whole registry mapping.
    func snapshot() throws -> [UInt8] {
        var out: [UInt8] = []
        for (_, bytes) in try universe.codeBytes(session).sorted(by: { $0.key < $1.key }) { out += bytes }
        for m in try sim.maps() where m.path.isEmpty || m.path.hasPrefix("/memfd:") {
            out += try sim.read(m.start, count: Int(m.end - m.start))
        }
        return out
    }

    /// Runs `body`, which must fail with `code`; nothing may change.
    func expectRefused(_ what: String, code: Int32, sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) throws -> ApplierError? {
        let before = try snapshot()
        var caught: ApplierError?
        do {
            try body()
            Issue.record("\(what) succeeded; it must be refused", sourceLocation: sourceLocation)
        } catch let e as ApplierError {
            caught = e
            #expect(e.exitCode == code, "\(what): exit \(e.exitCode) (\(e))", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): \(error) is not an applier error", sourceLocation: sourceLocation)
        }
        #expect(try snapshot() == before, "\(what) changed the target", sourceLocation: sourceLocation)
        return caught
    }

    /// The registry mapping's address.
    func registryBase() throws -> UInt64 {
        guard let b = try RegistryStore(target: sim).location() else { throw TestFailure("no registry") }
        return b
    }

    /// Overwrites the registry as a tamperer would (saves are conditional
    /// on the generation read, so read it first).
    func saveRegistry(_ reg: Registry) throws {
        let store = RegistryStore(target: sim)
        let base = try registryBase()
        try store.save(reg, at: base, readAt: try store.generation(at: base))
    }
}

extension ApplierError {
    /// The foreign reason a refusal carries, if it is a foreign refusal.
    var foreignReason: ForeignReason? {
        if case let .foreign(_, _, why) = self { return why }
        return nil
    }
}
