import Applier
import Foundation
import Target
import TestSupport
import Testing

/// The registry inside a live `counter` (fixA applied) damaged behind
/// xsplice's back: cut short, naming code where nothing is mapped, or
/// holding absurd numbers under a valid checksum. Every command reports the
/// damage and exits 1, none traps, and no byte of code or registry changes.
@Suite(.serialized) struct LiveRegistryDamageTests {
    /// The active slot's length field halved: the body no longer hashes.
    @Test func truncatedRegistryIsReportedLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let t = try LiveTamper(h)
        let field = try t.activeSlot() + 8
        let n = try t.target.read(field, count: 4)
        let len = UInt32(n[0]) | UInt32(n[1]) << 8 | UInt32(n[2]) << 16 | UInt32(n[3]) << 24
        try t.target.write(field, bytes: (0..<4).map { UInt8(truncatingIfNeeded: (len / 2) >> (8 * $0)) })
        try t.expectRefused(everyCommand(h, mentions: "checksum mismatch"), tokens: ["compute_a": "101"])
    }

    /// Registries whose checksum is right but whose numbers are absurd: the
    /// validation after decoding refuses them before any number is used.
    @Test(arguments: RegistryDamage.allCases)
    func absurdRegistryIsReportedLive(field: RegistryDamage) throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let t = try LiveTamper(h)
        var reg = try t.registry()
        try field.apply(to: &reg)
        try t.saveRegistry(reg)
        try t.expectRefused(everyCommand(h, mentions: "integrity check"), tokens: ["compute_a": "101"])
    }

    /// The active slot's generation (outside the checksummed body) set to
    /// its largest value: reading still works, but no write may count past
    /// it, so every write is refused before anything is mapped or written.
    @Test func lastGenerationIsRefusedWithoutWrappingLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let t = try LiveTamper(h)
        try t.target.write(try t.activeSlot(), bytes: [UInt8](repeating: 0xff, count: 8))
        let last = "integrity check (generation \(UInt64.max))"
        try t.expectRefused([
            .init(what: "verify", args: ["verify", "--pid", h.pid, try h.payload("fixA")], status: 0,
                  mentions: "applied"),
            .init(what: "list", args: ["list", "--pid", h.pid], status: 0, mentions: "counter-fixA"),
            .init(what: "apply fixB", args: ["apply", "--pid", h.pid, try h.payload("fixB")], status: 1,
                  mentions: last),
            .init(what: "apply fixC", args: ["apply", "--pid", h.pid, try h.payload("fixC")], status: 1,
                  mentions: last),
            .init(what: "revert fixA", args: ["revert", "--pid", h.pid, "counter-fixA"], status: 1, mentions: last),
            .init(what: "replace fixA", args: ["replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA")],
                  status: 1, mentions: last),
        ], tokens: ["compute_a": "101"])
    }

    /// fixA's record moved to an address where nothing is mapped: the live
    /// jump goes to code no record owns, so compute_a is foreign, and
    /// nothing is read from, written to or freed at the recorded region.
    @Test func recordForAnUnmappedRegionIsForeignLive() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("fixA").status == 0)
        let t = try LiveTamper(h)
        var reg = try t.registry()
        let old = reg.records[0]
        let moved: UInt64 = 0x1000_0000
        let maps = try t.target.maps()
        try #require(!maps.contains { $0.start < moved + old.regionSize && moved < $0.end }, "\(moved) is mapped")
        reg.records[0].regionAddress = moved
        reg.records[0].functions[0].site.replacementAddress = moved + (old.functions[0].site.replacementAddress
            - old.regionAddress)
        try t.saveRegistry(reg)
        let owns = "that no recorded payload owns"
        try t.expectRefused([
            .init(what: "verify fixA", args: ["verify", "--pid", h.pid, try h.payload("fixA")], status: 1,
                  mentions: owns),
            .init(what: "apply fixC", args: ["apply", "--pid", h.pid, try h.payload("fixC")], status: 1,
                  mentions: "compute_a"),
            .init(what: "revert fixA", args: ["revert", "--pid", h.pid, "counter-fixA"], status: 1, mentions: owns),
            .init(what: "replace fixA", args: ["replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA")],
                  status: 1, mentions: owns),
            .init(what: "list", args: ["list", "--pid", h.pid], status: 0, mentions: "MISMATCH"),
        ], tokens: ["compute_a": "101"])
    }

    /// verify, list, recover, a fresh apply, a stacked apply, revert and
    /// replace: each exits 1 naming the registry damage.
    func everyCommand(_ h: LiveHarness, mentions: String) throws -> [LiveTamper.Step] {
        [
            .init(what: "verify", args: ["verify", "--pid", h.pid, try h.payload("fixA")], status: 1,
                  mentions: mentions),
            .init(what: "list", args: ["list", "--pid", h.pid], status: 1, mentions: mentions),
            .init(what: "recover", args: ["recover", "--pid", h.pid], status: 1, mentions: mentions),
            .init(what: "apply fixB", args: ["apply", "--pid", h.pid, try h.payload("fixB")], status: 1,
                  mentions: mentions),
            .init(what: "apply fixC", args: ["apply", "--pid", h.pid, try h.payload("fixC")], status: 1,
                  mentions: mentions),
            .init(what: "revert fixA", args: ["revert", "--pid", h.pid, "counter-fixA"], status: 1,
                  mentions: mentions),
            .init(what: "replace fixA", args: ["replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA")],
                  status: 1, mentions: mentions),
        ]
    }
}
