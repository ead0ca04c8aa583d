import Applier
import Foundation
import OldCodeCheck
import Target
import TestSupport
import Testing

/// Damage done to a live patched `counter` behind xsplice's back, checked
/// through the CLI: verify says foreign with the reason (exit 1), a stacked
/// apply and a revert are refused (exit 1), and neither the program's
/// output nor any byte of its code changes.
@Suite(.serialized) struct LiveTamperTests {
    /// fixA's replacement returns 101 with `mov $0x65,%eax`; the tamper makes
    /// it return 112, a change the program survives and shows.
    @Test func tamperedReplacementIsForeignAndRefusedLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let tamper = try LiveTamper(h)
        let t = tamper.target
        let site = try #require(try LiveSession(target: t).registry().records.first?.functions.first?.site)
        let code = try t.read(site.replacementAddress, count: Int(site.replacementSize))
        let imm = try #require(firstIndex(of: [0xb8, 0x65, 0, 0, 0], in: code), "no mov $101,%eax in fixA")
        try t.write(site.replacementAddress + UInt64(imm + 1), bytes: [0x70])
        h.process.waitForTokens(["compute_a": "112"])
        try expectRefusedUnchanged(tamper, token: "112", reason: "replacement code of payload")
    }

    /// A byte of compute_a's body after the jump: never executed while
    /// fixA is applied, so the program runs on; only the verifier can tell.
    @Test func tamperedTailIsForeignAndRefusedLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let tamper = try LiveTamper(h)
        let t = tamper.target
        let fn = try #require(try LiveSession(target: t).registry().records.first?.functions.first)
        let last = fn.site.entryAddress + fn.oldSize - 1
        try t.write(last, bytes: [try t.read(last, count: 1)[0] ^ 0x5a])
        try expectRefusedUnchanged(tamper, token: "101", reason: "function body changed")
    }

    @Test func corruptRegistryIsReportedAndRefusedLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let tamper = try LiveTamper(h)
        let t = tamper.target
        let base = try #require(try RegistryStore(target: t).location())
        let active = UInt64(try t.read(base + 8, count: 1)[0])
        let body = base + 4096 + active * 512 * 1024 + 48 + 7
        try t.write(body, bytes: [try t.read(body, count: 1)[0] ^ 0x01])
        try expectRefusedUnchanged(tamper, token: "101", reason: "integrity check", listFails: true)
    }

    /// verify, apply of the stacked fixC, revert and replace of fixA: each
    /// exits 1, verify and revert naming `reason`; list shows the mismatch
    /// (or, for a damaged registry, fails); nothing changes.
    func expectRefusedUnchanged(_ t: LiveTamper, token: String, reason: String, listFails: Bool = false,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let h = t.h
        try t.expectRefused([
            .init(what: "verify", args: ["verify", "--pid", h.pid, try h.payload("fixA")], status: 1, mentions: reason),
            .init(what: "apply fixC", args: ["apply", "--pid", h.pid, try h.payload("fixC")], status: 1),
            .init(what: "revert fixA", args: ["revert", "--pid", h.pid, "counter-fixA"], status: 1, mentions: reason),
            .init(what: "replace fixA", args: ["replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA")],
                  status: 1),
            .init(what: "list", args: ["list", "--pid", h.pid], status: listFails ? 1 : 0,
                  mentions: listFails ? reason : "MISMATCH"),
        ], tokens: ["compute_a": token], sourceLocation: sourceLocation)
    }

    func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        return (0...(hay.count - needle.count)).first { Array(hay[$0..<($0 + needle.count)]) == needle }
    }
}
