import Foundation
import TestSupport
import Testing

/// Each error says what really happened, with the exit code DESIGN.md gives.
@Suite(.serialized) struct TruthfulErrorTests {
    @Test func aProcessWhoseMainThreadExitedIsPatchedNotCalledGone() throws {
        let h = try LiveHarness("orphaned")
        defer { h.process.stop() }
        // Its helper prints before main calls pthread_exit: wait for the
        // zombie main thread, or the snapshot may read a main thread's maps
        // that vanish under it (on a loaded machine).
        let until = Date().addingTimeInterval(10)
        while Date() < until, !(((try? String(contentsOfFile: "/proc/\(h.pid)/task/\(h.pid)/stat", encoding: .utf8))?
            .split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z")) ?? false) {
            usleep(10_000)
        }
        let original = try h.codeSnapshot()
        let a = try h.apply("fixA")
        #expect(a.status == 0, "\(a.stderr)")
        h.expectOutput(["fixA"])
        #expect(try h.listJSON().contains("orphaned-fixA"))
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
    }

    @Test func anOwnerWithoutCapSysAdminIsToldWhy() throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("counter")
        let dir = Paths.tempDir("owner")
        chmod(dir, 0o755)
        let exe = dir + "/counter"
        try FileManager.default.copyItem(atPath: m.binaryPath, toPath: exe)
        let payload = dir + "/fixA.xsp"
        try FileManager.default.copyItem(atPath: try Corpus.payload(m, "fixA"), toPath: payload)
        chmod(payload, 0o644)
        // The user runs both the program and xsplice.
        let script =
            "\(exe) 5 >/dev/null 2>&1 & sleep 0.3; \(Paths.xsplice) apply --pid $! \(payload); s=$?; kill $!; exit $s"
        let r = try Shell.run(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c", script])
        #expect(r.status == 1, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("map_files needs CAP_SYS_ADMIN, even for the process's owner"), "\(r.stderr)")
        #expect(!r.stderr.contains("is not loaded"), "\(r.stderr)")
    }

    @Test func aTargetOutOfAddressSpaceIsNotCalledOutOfReach() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let status = try String(contentsOfFile: "/proc/\(h.pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmSize:") } ?? ""
        let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        #expect(kb > 0)
        let lim = try Shell.run("/usr/bin/prlimit", ["--pid", h.pid, "--as=\(kb * 1024)"])
        #expect(lim.status == 0, "\(lim.stderr)")
        let r = try h.apply("fixA")
        #expect(r.status == 1, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("Cannot allocate memory"), "\(r.stderr)")
        #expect(!r.stderr.contains("2 GiB"), "\(r.stderr)")
        #expect(h.process.isAlive)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
    }

    @Test(arguments: ["journaled", "wrote-one", "wrote-all"])
    func aTargetThatDiesMidWriteIsNotCalledBothInconsistentAndUnchanged(point: String) throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let r = try Shell.xsplice(
            ["apply", "--pid", h.pid, try h.payload("fixA")], environment: ["XSPLICE_FAULT_TARGET": point])
        #expect(r.status == 1, "\(point): \(r.status) \(r.stderr)")
        #expect(!r.stderr.contains("INCONSISTENT"), "\(r.stderr)")
        #expect(!r.stderr.contains("unchanged"), "\(r.stderr)")
        #expect(r.stderr.contains("exited") && r.stderr.contains("no process left"), "\(r.stderr)")
    }
}
