import Foundation
import Testing
import TestSupport

/// Capstone is loaded with dlopen only by commands that decode instructions
/// (issue 15, start-up cost). The dynamic loader's own trace (LD_DEBUG=files)
/// says which libraries a command loaded; the output says the disassembly is
/// still there where it is needed.
@Suite(.serialized) struct LazyCapstoneTests {
    static func run(_ args: [String]) throws -> (Shell.Result, loaded: Bool) {
        let r = try Shell.xsplice(args, environment: ["LD_DEBUG": "files"])
        return (r, r.stderr.contains("file=libcapstone.so"))
    }

    @Test func commandsThatDecodeNothingNeverLoadCapstone() throws {
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let p = try LiveProcess(m.binaryPath)
        defer { p.stop() }
        try p.waitUntilRunning()
        let pid = String(p.pid)
        for args in [["--version"], ["list", "--pid", pid], ["verify", "--pid", pid, payload], ["status"]] {
            let (r, loaded) = try Self.run(args)
            #expect(r.status == 0, "\(args): \(r.status)")
            #expect(!loaded, "\(args) loaded Capstone")
        }
        // apply decodes the old code (no branch may land in the patched
        // bytes); revert decodes nothing.
        let (a, applyLoaded) = try Self.run(["apply", "--pid", pid, payload])
        #expect(a.status == 0 && applyLoaded, "apply: \(a.status), Capstone loaded: \(applyLoaded)")
        #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101")
        let (r, revertLoaded) = try Self.run(["revert", "--pid", pid, "counter-fixA"])
        #expect(r.status == 0 && !revertLoaded, "revert: \(r.status), Capstone loaded: \(revertLoaded)")
        #expect(p.waitForTokens(["compute_a": "100"])["compute_a"] == "100")
    }

    @Test func aMismatchIsStillShownDisassembled() throws {
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let (r, loaded) = try Self.run(["verify", "--image", m.dir + "/counter.wrongbuild", payload])
        #expect(r.status == 1 && loaded, "\(r.status), Capstone loaded: \(loaded)")
        #expect(r.stdout.contains("expected code:") && r.stdout.contains("mov edx, 1")
                && r.stdout.contains("mov edx, 5"), "\(r.stdout)")
    }
}
