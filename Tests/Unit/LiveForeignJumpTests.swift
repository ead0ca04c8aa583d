import Applier
import Foundation
import Target
import TestSupport
import Testing

/// Jumps that xsplice did not write, in a live `counter`: another tool's
/// jump at a virgin entry, and an applied function's jump re-pointed at
/// another payload's code. Both are foreign; every write that would rest on
/// them is refused with the reason, and the program runs on unchanged.
@Suite(.serialized) struct LiveForeignJumpTests {
    /// compute_b jumps to compute_a's entry, or straight into fixA's
    /// replacement code: a region a record owns, but not from this entry.
    /// Either way compute_b now returns fixA's 101.
    @Test(arguments: [false, true])
    func foreignJumpAtAVirginEntryIsForeignLive(intoPayloadCode: Bool) throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let t = try LiveTamper(h)
        let b = try t.entry("compute_b")
        try t.writeJump(at: b, to: intoPayloadCode ? try t.site("fixA").replacementAddress : try t.entry("compute_a"))
        let foreign = try t.target.read(b, count: 16)
        let reason = "that no recorded payload owns"
        let fixB = try h.payload("fixB")
        try t.expectRefused([
            .init(what: "verify fixB", args: ["verify", "--pid", h.pid, fixB], status: 1, mentions: reason),
            .init(what: "apply fixB", args: ["apply", "--pid", h.pid, fixB], status: 1, mentions: "compute_b"),
            .init(what: "replace fixA with fixB", args: ["replace", "--pid", h.pid, "counter-fixA", fixB],
                  status: 1, mentions: "compute_b"),
            .init(what: "revert fixB", args: ["revert", "--pid", h.pid, "counter-fixB"], status: 2,
                  mentions: "no applied payload is named counter-fixB"),
        ], tokens: ["compute_a": "101", "compute_b": "101"])
        // A jump into fixA's code from an entry no record names is beyond
        // what revert can see: it would free code that compute_b still
        // reaches (see README, "What is not covered"). Only the other case
        // goes on.
        guard !intoPayloadCode else { return }
        // fixA is proven: its revert goes through and repairs nothing else.
        let r = try h.revert("fixA")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let want = ["compute_a": "100", "compute_b": "100"]
        #expect(h.process.waitForTokens(want) == want, "compute_b runs the old compute_a through the foreign jump")
        #expect(try t.target.read(b, count: 16) == foreign)
    }

    /// compute_a's jump pointed at fixB's replacement: compute_a now returns
    /// 201, and no record owns that jump.
    @Test func jumpPointedAtAnotherPayloadsCodeIsForeignLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        #expect(try h.apply("fixB").status == 0)
        let t = try LiveTamper(h)
        let a = try t.site("fixA")
        let b = try t.site("fixB")
        try t.writeJump(at: a.patchAddress, to: b.replacementAddress)
        let owns = "a jump to 0x\(String(b.replacementAddress, radix: 16)) that no recorded payload owns"
        try t.expectRefused([
            .init(what: "verify fixA", args: ["verify", "--pid", h.pid, try h.payload("fixA")], status: 1,
                  mentions: owns),
            .init(what: "apply fixC on top of fixA", args: ["apply", "--pid", h.pid, try h.payload("fixC")],
                  status: 1, mentions: "compute_a"),
            .init(what: "revert fixA", args: ["revert", "--pid", h.pid, "counter-fixA"], status: 1, mentions: owns),
            // Freeing fixB's code would leave compute_a jumping into nothing.
            .init(what: "revert fixB", args: ["revert", "--pid", h.pid, "counter-fixB"], status: 1,
                  mentions: "compute_a"),
            .init(what: "replace fixA", args: ["replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA")],
                  status: 1, mentions: owns),
            .init(what: "list", args: ["list", "--pid", h.pid], status: 0, mentions: "MISMATCH"),
        ], tokens: ["compute_a": "201", "compute_b": "201"])
    }
}
