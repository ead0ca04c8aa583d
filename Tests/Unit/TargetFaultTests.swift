import CShims
import Foundation
import Glibc
import TestSupport
import Testing

/// Targets that misbehave while xsplice works on them: every case ends in a
/// clear error or success, never a hang or exit 3, and a target that still
/// runs is either unchanged or exactly patched.
@Suite(.serialized) struct TargetFaultTests {
    @Test func threadsBornAndDyingAndSignalsDuringTheStop() throws {
        let h = try LiveHarness("churn")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let signalsBefore = Int(h.process.lastTick()?.1["signals"] ?? "") ?? 0
        var applied = 0
        for _ in 0..<8 {
            let a = try h.apply("fixA")
            #expect(a.status == 0 || a.status == 1, "\(a.status): \(a.stderr)")
            if a.status == 0 {
                applied += 1
                h.expectOutput(["fixA"])
                let r = try h.revert("fixA")
                #expect(r.status == 0, "\(r.stderr)")
            }
            #expect(try h.apply("fixB").status == 0)
            #expect(try h.revert("fixB").status == 0)
        }
        #expect(applied > 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
        // The timer kept firing: signals were delivered, not swallowed.
        let signalsAfter = Int(h.process.waitForTokens([:])["signals"] ?? "") ?? 0
        #expect(signalsAfter > signalsBefore + 50, "signals \(signalsBefore) -> \(signalsAfter)")
    }

    @Test func alreadyTracedTargetIsRefusedAndLeftAlone() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        // Play the debugger: trace the main thread ourselves.
        #expect(xs_seize(h.process.pid, 0) == 0)
        let r = try h.apply("fixA")
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("already traced"), "\(r.stderr)")
        // PTRACE_DETACH needs a stopped tracee.
        #expect(xs_interrupt(h.process.pid) == 0)
        var status: Int32 = 0
        #expect(xs_waitpid_all(h.process.pid, &status, 0) == h.process.pid)
        #expect(xs_detach(h.process.pid, 0) == 0)
        #expect(try h.codeSnapshot() == original)
        #expect(try h.apply("fixA").status == 0)
        h.expectOutput(["fixA"])
    }

    @Test func unprivilegedOperatorGetsPermissionError() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let payload = try h.payload("fixA")
        // A copy nobody can read, in a directory nobody can enter, would
        // fail differently; keep the payload world-readable.
        let copy = Paths.tempDir("perm") + "/fixA.xsp"
        try FileManager.default.copyItem(atPath: payload, toPath: copy)
        chmod(copy, 0o644)
        chmod((copy as NSString).deletingLastPathComponent, 0o755)
        let r = try Shell.run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Paths.xsplice,
                                                   "apply", "--pid", h.pid, copy])
        #expect(r.status == 1 || r.status == 2, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("not permitted"), "\(r.stderr)")
        h.expectOutput([])
    }

    @Test func binaryReplacedOnDiskIsNoticed() throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("counter")
        let dir = Paths.tempDir("replaced")
        let exe = dir + "/counter"
        try FileManager.default.copyItem(atPath: m.binaryPath, toPath: exe)
        let p = try LiveProcess(exe)
        defer { p.stop() }
        try p.waitUntilRunning()
        // Swap the file under the running program (as a package upgrade does).
        let wrong = dir + "/counter.new"
        try FileManager.default.copyItem(atPath: "\(m.dir)/\(m.wrongBuild ?? "")", toPath: wrong)
        #expect(rename(wrong, exe) == 0)
        // A payload built from the new file on disk does not match the process.
        let fromDisk = dir + "/disk.xsp"
        #expect(try Shell.xsplice("build", "--binary", exe, "--object", "\(m.dir)/fixA.o", "-o", fromDisk).status == 0)
        let bad = try Shell.xsplice("apply", "--pid", String(p.pid), fromDisk)
        #expect(bad.status == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("build-id") || bad.stderr.contains("foreign"), "\(bad.stderr)")
        // The payload for the build that actually runs still applies: the
        // module is read from the mapped file, not from the path.
        let good = try Shell.xsplice("apply", "--pid", String(p.pid), try Corpus.payload(m, "fixA"))
        #expect(good.status == 0, "\(good.stderr)")
        #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101")
    }

    @Test(arguments: ["loaded", "journaled", "wrote-one", "committed"])
    func targetDyingMidOperationIsReportedNotHung(point: String) throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let start = Date()
        let r = try Shell.xsplice(
            ["apply", "--pid", h.pid, try h.payload("fixA")], environment: ["XSPLICE_FAULT_TARGET": point])
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(!h.process.isAlive)
        #expect(r.status == 1 || r.status == 0, "\(point): \(r.status) \(r.stderr)")
        if r.status == 1 { #expect(r.stderr.contains("exited") || r.stderr.contains("no process"), "\(r.stderr)") }
        let after = try Shell.xsplice("list", "--pid", h.pid)
        #expect(after.status == 2, "\(after.stderr)")
    }
}
