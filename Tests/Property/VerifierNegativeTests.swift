import Applier
import Foundation
import Hash
import OldCodeCheck
import Payload
import Target
import TestSupport
import Testing

/// What the verifier promises when applied code is damaged after the fact:
/// the function is foreign, with the reason; a stacked apply, a revert and
/// a replace are refused (exit 1) and change no byte of code or registry.
/// The target is a simulated `counter` (fixA and fixB on compute_a and
/// compute_b, fixC on top of fixA, cumA on top of fixA or virgin).
@Suite struct VerifierNegativeTests {
    @Test func tamperedReplacementByteIsForeignAndBlocksEveryWrite() throws {
        let t = try TamperFixture()
        let fixA = try t.file("fixA")
        _ = try t.session.apply(fixA)
        let site = try t.site("fixA", "compute_a")
        try t.flip(site.replacementAddress + site.replacementSize - 2)

        #expect(try t.state("compute_a") == .foreign(.replacementModified(payload: fixA.id)))
        #expect(try t.session.verify([fixA]).first?.verdict == .conflict)
        let r = try t.expectRefused("revert fixA", code: 1) { _ = try t.session.revert("fixA") }
        #expect(r?.foreignReason == .replacementModified(payload: fixA.id), "\(String(describing: r))")
        _ = try t.expectRefused("apply fixC on top", code: 1) { _ = try t.session.apply(try t.file("fixC")) }
        _ = try t.expectRefused("replace fixA", code: 1) { _ = try t.session.replace("fixA", with: try t.file("cumA")) }
        #expect(try t.session.list().first?.functions.first?.live.hasPrefix("MISMATCH") == true)
    }

    @Test func tamperedTailIsForeignAndBlocksEveryWrite() throws {
        let t = try TamperFixture()
        let fixA = try t.file("fixA")
        _ = try t.session.apply(fixA)
        let f = try t.function("compute_a")
        try t.flip(try t.entry("compute_a") + UInt64(f.oldSize - 1))

        guard case .foreign(.tailModified(let d)) = try t.state("compute_a") else {
            Issue.record("a changed tail must be foreign(tailModified): \(try t.state("compute_a"))")
            return
        }
        #expect(d.offset == f.oldSize - 1)
        #expect(try t.session.verify([fixA]).first?.verdict == .conflict)
        let r = try t.expectRefused("revert fixA", code: 1) { _ = try t.session.revert("fixA") }
        #expect(r?.foreignReason == .tailHashDiffers, "\(String(describing: r))")
        _ = try t.expectRefused("apply fixC on top", code: 1) { _ = try t.session.apply(try t.file("fixC")) }
        _ = try t.expectRefused("replace fixA", code: 1) { _ = try t.session.replace("fixA", with: try t.file("cumA")) }
    }

    /// Another tool's jump at a virgin entry, at the entry itself and where
    /// xsplice would put its own (after endbr64): foreign either way, and a
    /// revert of an unrelated payload leaves it alone.
    @Test(arguments: [false, true])
    func foreignJumpAtAVirginEntryIsForeign(afterEndbr: Bool) throws {
        let t = try TamperFixture()
        let fixB = try t.file("fixB")
        _ = try t.session.apply(try t.file("fixA"))
        let b = try t.entry("compute_b")
        let site = PatchSite(oldBytes: try t.function("compute_b").oldBytes, entry: b)
        let at = b + (afterEndbr ? UInt64(site.patchOffset) : 0)
        try t.writeJump(at: at, to: try t.entry("compute_a"))
        let foreignBytes = try t.sim.read(b, count: try t.function("compute_b").oldSize)

        switch try t.state("compute_b") {
        case .foreign(.unknownJump), .foreign(.bytesDiffer): break
        case let other: Issue.record("a foreign jump must be foreign: \(other)")
        }
        #expect(try t.session.verify([fixB]).first?.verdict == .conflict)
        _ = try t.expectRefused("apply fixB", code: 1) { _ = try t.session.apply(fixB) }
        _ = try t.expectRefused("replace fixA with fixB", code: 1) { _ = try t.session.replace("fixA", with: fixB) }
        _ = try t.expectRefused("revert fixB (never applied)", code: 2) { _ = try t.session.revert("fixB") }
        // fixA is proven: its revert goes through, and repairs nothing else.
        _ = try t.session.revert("fixA")
        #expect(try t.state("compute_a") == .virgin)
        #expect(try t.sim.read(b, count: foreignBytes.count) == foreignBytes)
    }

    /// compute_a's jump pointed at fixB's code: no record owns that target.
    @Test func jumpPointedAtAnotherPayloadsCodeIsForeign() throws {
        let t = try TamperFixture()
        let fixA = try t.file("fixA")
        _ = try t.session.apply(fixA)
        _ = try t.session.apply(try t.file("fixB"))
        let a = try t.site("fixA", "compute_a")
        let b = try t.site("fixB", "compute_b")
        try t.writeJump(at: a.patchAddress, to: b.replacementAddress)

        #expect(try t.state("compute_a") == .foreign(.unknownJump(target: b.replacementAddress)))
        #expect(try t.session.verify([fixA]).first?.verdict == .conflict)
        let r = try t.expectRefused("revert fixA", code: 1) { _ = try t.session.revert("fixA") }
        #expect(r?.foreignReason == .unknownJump(target: b.replacementAddress), "\(String(describing: r))")
        _ = try t.expectRefused("apply fixC on top", code: 1) { _ = try t.session.apply(try t.file("fixC")) }
        // Freeing fixB's code would leave compute_a jumping into nothing.
        _ = try t.expectRefused("revert fixB", code: 1) { _ = try t.session.revert("fixB") }
    }

    @Test func registryWithABadChecksumIsReportedAndBlocksEveryWrite() throws {
        let t = try TamperFixture()
        _ = try t.session.apply(try t.file("fixA"))
        let base = try t.registryBase()
        let active = try t.sim.read(base + 8, count: 1)[0]
        // A byte of the active slot's body (past its 48-byte header).
        try t.flip(base + 4096 + UInt64(active) * 512 * 1024 + 48 + 10)
        try expectRegistryRefusals(t, mentioning: "checksum")
    }

    @Test func truncatedRegistryIsReportedAndBlocksEveryWrite() throws {
        let t = try TamperFixture()
        _ = try t.session.apply(try t.file("fixA"))
        let base = try t.registryBase()
        let active = try t.sim.read(base + 8, count: 1)[0]
        let lengthField = base + 4096 + UInt64(active) * 512 * 1024 + 8
        let n = try t.sim.read(lengthField, count: 4)
        let len = UInt32(n[0]) | UInt32(n[1]) << 8 | UInt32(n[2]) << 16 | UInt32(n[3]) << 24
        try t.sim.write(lengthField, bytes: (0..<4).map { UInt8(truncatingIfNeeded: (len / 2) >> (8 * $0)) })
        try expectRegistryRefusals(t, mentioning: "checksum")
    }

    /// Registries whose checksum is right but whose numbers are absurd.
    @Test(arguments: RegistryDamage.allCases)
    func registryWithAbsurdSizesIsReportedWithoutTrapping(field: RegistryDamage) throws {
        let t = try TamperFixture()
        _ = try t.session.apply(try t.file("fixA"))
        var reg = try t.session.registry()
        try field.apply(to: &reg)
        try t.saveRegistry(reg)
        try expectRegistryRefusals(t, mentioning: "integrity")
    }

    /// A record whose code region is not mapped: moved elsewhere in the
    /// record, or unmapped behind xsplice's back.
    @Test(arguments: [false, true])
    func recordForAnUnmappedRegionIsForeign(unmapInstead: Bool) throws {
        let t = try TamperFixture()
        let fixA = try t.file("fixA")
        _ = try t.session.apply(fixA)
        var reg = try t.session.registry()
        let old = reg.records[0]
        if unmapInstead {
            try t.sim.withSyscalls { try $0.munmap(address: old.regionAddress, length: old.regionSize) }
        } else {
            let moved: UInt64 = 0x1000_0000
            reg.records[0].regionAddress = moved
            let offset = old.functions[0].site.replacementAddress - old.regionAddress
            reg.records[0].functions[0].site.replacementAddress = moved + offset
            try t.saveRegistry(reg)
        }
        switch try t.state("compute_a") {
        case .foreign(.replacementUnreadable) where unmapInstead, .foreign(.unknownJump) where !unmapInstead: break
        case let other: Issue.record("a record for unmapped code must be foreign: \(other)")
        }
        #expect(try t.session.verify([fixA]).first?.verdict == .conflict)
        _ = try t.expectRefused("revert fixA", code: 1) { _ = try t.session.revert("fixA") }
        _ = try t.expectRefused("apply fixC on top", code: 1) { _ = try t.session.apply(try t.file("fixC")) }
        #expect(try t.session.list().first?.functions.first?.live.hasPrefix("MISMATCH") == true)
    }

    // MARK: helpers

    /// verify, apply, revert, replace and list all report the damage (exit 1).
    func expectRegistryRefusals(_ t: TamperFixture, mentioning word: String,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (what, body) in [
            ("verify", { _ = try t.session.verify([try t.file("fixA")]) }),
            ("list", { _ = try t.session.list() }),
            ("apply fixB", { _ = try t.session.apply(try t.file("fixB")) }),
            ("apply fixC", { _ = try t.session.apply(try t.file("fixC")) }),
            ("revert fixA", { _ = try t.session.revert("fixA") }),
            ("replace fixA", { _ = try t.session.replace("fixA", with: try t.file("cumA")) }),
        ] as [(String, () throws -> Void)] {
            let e = try t.expectRefused(what, code: 1, sourceLocation: sourceLocation, body)
            guard case .registryCorrupt = e else {
                Issue.record("\(what): \(String(describing: e)) is not a registry report",
                             sourceLocation: sourceLocation)
                continue
            }
            #expect(e?.description.contains(word) == true, "\(String(describing: e))", sourceLocation: sourceLocation)
        }
    }
}
