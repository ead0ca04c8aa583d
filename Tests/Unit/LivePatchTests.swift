import TestSupport
import Foundation
import Testing

/// Live patching of real corpus processes through the CLI: output and bytes.
@Suite(.serialized) struct LivePatchTests {
    @Test func singleThreadApplyAndRevertChangesOutputAndRestoresBytes() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let v = try h.xs("verify", "--pid", h.pid, try h.payload("fixA"))
        #expect(v.status == 0 && v.stdout.contains("virgin"), "\(v.stdout)\(v.stderr)")

        let a = try h.apply("fixA")
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.contains("pause:"))
        h.expectOutput(["fixA"])
        #expect(try h.codeSnapshot()["compute_a"] != original["compute_a"])
        #expect(try h.codeSnapshot()["compute_b"] == original["compute_b"])
        let applied = try h.xs("verify", "--pid", h.pid, "--json", try h.payload("fixA"))
        #expect(applied.status == 0 && applied.stdout.contains("\"verdict\" : \"applied\""), "\(applied.stdout)")

        // A second apply is reported, not repeated.
        let again = try h.apply("fixA")
        #expect(again.status == 0 && again.stdout.contains("already applied"), "\(again.stdout)")

        let r = try h.revert("fixA")
        #expect(r.status == 0, "\(r.stderr)")
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }

    @Test func independentPayloadsApplyAndRevertInEitherOrder() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        for order in [["fixA", "fixB"], ["fixB", "fixA"]] {
            for v in order { #expect(try h.apply(v).status == 0) }
            h.expectOutput(order)
            let snapshot = try h.codeSnapshot()
            // Revert in the same order as applied (not a stack).
            #expect(try h.revert(order[0]).status == 0)
            h.expectOutput([order[1]])
            #expect(try h.revert(order[1]).status == 0)
            h.expectOutput([])
            #expect(try h.codeSnapshot() == original)
            #expect(snapshot != original)
        }
    }

    @Test func overlappingPayloadStacksOnlyWhereDeclared() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let early = try h.apply("fixC")
        #expect(early.status == 1, "fixC before fixA must be refused: \(early.stdout)\(early.stderr)")
        #expect(early.stderr.contains("compute_a"))
        #expect(try h.codeSnapshot() == original)

        #expect(try h.apply("fixA").status == 0)
        #expect(try h.apply("fixC").status == 0)
        h.expectOutput(["fixA", "fixC"])

        let under = try h.revert("fixA")
        #expect(under.status == 1 && under.stderr.contains("counter-fixC"), "\(under.stderr)")
        h.expectOutput(["fixA", "fixC"])
        #expect(try h.revert("fixC").status == 0)
        h.expectOutput(["fixA"])
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
    }

    @Test func cumulativePayloadAcceptsVirginOrItsBase() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        #expect(try h.apply("cumA").status == 0)
        h.expectOutput(["cumA"])
        #expect(try h.revert("cumA").status == 0)
        #expect(try h.apply("fixA").status == 0)
        #expect(try h.apply("cumA").status == 0)
        h.expectOutput(["fixA", "cumA"])
        #expect(try h.revert("cumA").status == 0)
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([])
    }

    @Test func replaceSwapsInOneWindowAndJudgesTheStateAfterRevert() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        #expect(try h.apply("fixA").status == 0)
        // fixC needs fixA beneath it; replacing fixA would leave it virgin.
        let bad = try h.xs("replace", "--pid", h.pid, "counter-fixA", try h.payload("fixC"))
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        h.expectOutput(["fixA"])
        let good = try h.xs("replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA"))
        #expect(good.status == 0, "\(good.stderr)")
        h.expectOutput(["cumA"])
        let list = try h.listJSON()
        #expect(list.contains("counter-cumA") && !list.contains("counter-fixA"), "\(list)")
        #expect(try h.revert("cumA").status == 0)
        #expect(try h.codeSnapshot() == original)
    }

    @Test func eightThreadsKeepRunningThroughRepeatedPatching() throws {
        let h = try LiveHarness("workers")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        for _ in 0..<5 {
            let a = try h.xs("apply", "--pid", h.pid, "--json", try h.payload("fixA"))
            #expect(a.status == 0, "\(a.stderr)")
            // Eight workers and main: every one of them was stopped.
            let out = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [String: Any]
            #expect(out?["threads"] as? Int == 9, "\(a.stdout)")
            #expect((out?["pause_us"] as? Int ?? 0) > 0)
            #expect(try h.apply("fixB").status == 0)
            h.expectOutput(["fixA", "fixB"])
            #expect(try h.revert("fixA").status == 0)
            #expect(try h.revert("fixB").status == 0)
            h.expectOutput([])
        }
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }

    @Test func parkedThreadMakesApplyRefuseAfterTimeoutUnchanged() throws {
        let h = try LiveHarness("parked")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let r = try h.apply("fixPark", timeout: "0.5")
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("park_here") && r.stderr.contains("thread"), "\(r.stderr)")
        #expect(try h.codeSnapshot() == original)
        #expect(
            try h.listJSON().trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]"
                || !(try h.listJSON()).contains("fixPark"))
        // Other functions of the same process are still patchable.
        #expect(try h.apply("fixNormal").status == 0)
        h.expectOutput(["fixNormal"])
        #expect(h.process.isAlive)
    }

    @Test func sharedLibraryFunctionIsPatched() throws {
        let h = try LiveHarness("libuser")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        #expect(try h.apply("fixA").status == 0)
        #expect(try h.apply("fixB").status == 0)
        h.expectOutput(["fixA", "fixB"])
        #expect(try h.revert("fixA").status == 0)
        #expect(try h.revert("fixB").status == 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
    }

    @Test func wrongBuildIsRefusedAsForeign() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let m = h.manifest
        guard let wrong = m.wrongBuild else { throw TestFailure("counter has no wrong build") }
        let out = Paths.tempDir("wrong") + "/wrong.xsp"
        let b = try h.xs(
            "build", "--binary", "\(m.dir)/\(wrong)", "--object", "\(m.dir)/fixA.o", "--function", "compute_a", "-o",
            out)
        #expect(b.status == 0, "\(b.stderr)")
        let original = try h.codeSnapshot()
        let v = try h.xs("verify", "--pid", h.pid, out)
        #expect(v.status == 1 && v.stdout.contains("foreign"), "\(v.stdout)")
        let a = try h.xs("apply", "--pid", h.pid, out)
        #expect(a.status == 1, "\(a.stderr)")
        #expect(try h.codeSnapshot() == original)
        h.expectOutput([])
    }

    @Test func noSuchProcessIsBadInput() throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("counter")
        let r = try Shell.xsplice(["apply", "--pid", "999999", try Corpus.payload(m, "fixA")])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("999999"))
    }
}
