import Foundation
import TestSupport
import Testing

/// Targets confined by seccomp: xsplice reads their filters before any
/// remote call and refuses what they would deny or punish, and patches a
/// target whose filter only forbids writable-and-executable mappings,
/// since it never maps code that way.
@Suite(.serialized) struct SeccompTests {
    @Test(arguments: [("killmmap", "would kill the process on mmap"),
                      ("epermmmap", "would fail with errno 1 (Operation not permitted) on mmap")])
    func aFilterThatDeniesMmapIsRefusedBeforeAnyCall(mode: String, message: String) throws {
        let h = try LiveHarness("seccomped", args: ["60", mode])
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let r = try h.apply("fixA")
        #expect(r.status == 1, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.contains("no remote call was made"), "\(r.stderr)")
        #expect(h.process.isAlive, "the target died")
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        let maps = try String(contentsOfFile: "/proc/\(h.pid)/maps", encoding: .utf8)
        #expect(!maps.contains("xsplice-registry"))
    }

    @Test func aMemoryDenyWriteExecuteFilterStillAllowsPatching() throws {
        let h = try LiveHarness("seccomped", args: ["60", "wx"])
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let a = try h.apply("fixA")
        #expect(a.status == 0, "\(a.stderr)")
        h.expectOutput(["fixA"])
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }
}
