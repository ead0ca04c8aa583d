import Applier
import Foundation
import OldCodeCheck
import Target
import TestSupport
import Testing

/// Damage done to a live patched process behind xsplice's back, and the
/// checks that xsplice then refuses every write and changes nothing: the
/// code of every function, the recorded code regions, the registry mapping
/// byte for byte, and the set of executable and memfd mappings.
struct LiveTamper {
    let h: LiveHarness
    let target: ProcessTarget
    /// The code regions recorded before the damage (a damaged registry may
    /// no longer say where they are).
    let regions: [Range<UInt64>]

    init(_ h: LiveHarness) throws {
        self.h = h
        target = try ProcessTarget(pid: h.process.pid)
        regions = try LiveSession(target: target).registry().records
            .map { $0.regionAddress..<($0.regionAddress + $0.regionSize) }
    }

    func registry() throws -> Registry { try LiveSession(target: target).registry() }

    /// The recorded site of `variant`'s first function.
    func site(_ variant: String) throws -> AppliedSite {
        let name = "\(h.manifest.program)-\(variant)"
        guard let s = try registry().records.first(where: { $0.name == name || $0.name == variant })?
            .functions.first?.site else { throw TestFailure("\(variant) is not recorded") }
        return s
    }

    /// The live entry of a function of the program.
    func entry(_ symbol: String) throws -> UInt64 {
        let m = try target.module(named: h.manifest.module == "main" ? "" : h.manifest.module)
        guard let s = m.symbol(named: symbol, file: "") else { throw TestFailure("no symbol \(symbol)") }
        return m.liveAddress(s.value)
    }

    /// A `jmp rel32` at `at` to `to`, as another patcher would write it.
    func writeJump(at: UInt64, to: UInt64) throws {
        let rel = Int32(truncatingIfNeeded: Int64(bitPattern: to &- (at &+ 5)))
        let u = UInt32(bitPattern: rel)
        try target.write(at, bytes: [0xe9] + (0..<4).map { UInt8(truncatingIfNeeded: u >> (8 * $0)) })
    }

    /// Overwrites the registry with `reg`, checksum and all, as a tamperer
    /// who knows the format would.
    func saveRegistry(_ reg: Registry) throws {
        let store = RegistryStore(target: target)
        guard let base = try store.location() else { throw TestFailure("no registry") }
        try store.save(reg, at: base, readAt: try store.generation(at: base))
    }

    /// The address of the active registry slot's header.
    func activeSlot() throws -> UInt64 {
        guard let base = try RegistryStore(target: target).location() else { throw TestFailure("no registry") }
        let active = UInt64(try target.read(base + 8, count: 1)[0])
        return base + 4096 + active * 512 * 1024
    }

    /// Every byte and mapping a refused operation must leave alone.
    func snapshot() throws -> [String] {
        var out = try h.codeSnapshot().sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        for r in regions { out.append("region \(r): \(try target.read(r.lowerBound, count: r.count).hashValue)") }
        for m in try target.maps() where m.permissions.contains("x") || m.path.hasPrefix("/memfd:") {
            out.append("map \(m.start)-\(m.end) \(m.permissions) \(m.path)")
            if m.path.hasPrefix("/memfd:\(RegistryStore.memfdName)") {
                out.append("registry: \(try target.read(m.start, count: Int(m.end - m.start)).hashValue)")
            }
        }
        return out
    }

    /// One xsplice command and what it must do.
    struct Step {
        let what: String
        let args: [String]
        let status: Int32
        /// Words its output must contain (the reason), if any.
        var mentions: String?
    }

    /// Runs every step; each must exit as expected without a signal or a
    /// trap, say `mentions`; afterwards no byte or mapping has changed and
    /// the program still prints `tokens`.
    func expectRefused(_ steps: [Step], tokens: [String: String],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try snapshot()
        for s in steps {
            let r = try Shell.xsplice(s.args)
            let text = r.stdout + r.stderr
            #expect(!r.killedBySignal && ![132, 134, 139].contains(r.status),
                    "\(s.what) trapped: \(r.status) \(text)", sourceLocation: sourceLocation)
            #expect(r.status == s.status, "\(s.what): exit \(r.status), expected \(s.status): \(text)",
                    sourceLocation: sourceLocation)
            if let m = s.mentions {
                #expect(text.contains(m), "\(s.what) does not say \"\(m)\": \(text)", sourceLocation: sourceLocation)
            }
        }
        let after = try snapshot()
        #expect(after == before, "changed: \(Set(after).symmetricDifference(before).sorted().prefix(4))",
                sourceLocation: sourceLocation)
        let got = h.process.waitForTokens(tokens)
        #expect(got == tokens, "output \(got)", sourceLocation: sourceLocation)
        #expect(h.process.isAlive, sourceLocation: sourceLocation)
    }
}
