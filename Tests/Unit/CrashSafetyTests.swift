import Applier
import Foundation
import TestSupport
import Testing

/// xsplice killed (SIGKILL) at every named step of apply, revert and
/// replace: the target keeps running, every function is wholly old or wholly
/// new, and the next command finishes or abandons the operation.
@Suite(.serialized) struct CrashSafetyTests {
    enum Op: String, CaseIterable { case apply, revert, replace }

    static var cases: [(Op, String)] { Op.allCases.flatMap { op in FaultInjection.points.map { (op, $0) } } }

    @Test(arguments: cases)
    func killedAtEveryStepLeavesAConsistentTarget(op: Op, point: String) throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let codeMappingsAtStart = try anonymousCodeMappings(h.process.pid)
        // Preconditions and the state each outcome must end in.
        var args: [String]
        let before: [String], after: [String]
        switch op {
        case .apply:
            args = ["apply", "--pid", h.pid, try h.payload("fixA")]
            (before, after) = ([], ["fixA"])
        case .revert:
            #expect(try h.apply("fixA").status == 0)
            args = ["revert", "--pid", h.pid, "counter-fixA"]
            (before, after) = (["fixA"], [])
        case .replace:
            #expect(try h.apply("fixA").status == 0)
            args = ["replace", "--pid", h.pid, "counter-fixA", try h.payload("cumA")]
            (before, after) = (["fixA"], ["cumA"])
        }
        let r = try Shell.xsplice(args, environment: ["XSPLICE_FAULT": point])
        // revert loads no code, so it never reaches "loaded".
        let reachable = !(op == .revert && ["mapping", "mapped", "loaded"].contains(point))
        if reachable {
            #expect(r.killedBySignal && r.status == SIGKILL, "\(op) at \(point): \(r.status) \(r.stderr)")
        } else {
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(h.process.isAlive, "the target died after xsplice was killed at \(point)")

        // Right after the crash each function is wholly old or wholly new.
        let now = try h.codeSnapshot()
        for (name, bytes) in now {
            let old = original[name] ?? []
            let whole = bytes == old || (bytes.first == 0xe9 && Array(bytes.dropFirst(5)) == Array(old.dropFirst(5)))
            #expect(whole, "\(name) after a crash at \(point): \(bytes.prefix(8).map { String($0, radix: 16) })")
        }
        let tokens = h.process.waitForTokens([:])
        #expect([h.expected(before), h.expected(after)].contains(tokens), "output after a crash at \(point): \(tokens)")

        // The next command completes the operation or undoes it.
        let rec = try Shell.xsplice("recover", "--pid", h.pid)
        #expect(rec.status == 0, "\(rec.stderr)")
        let beforeWindow = ["mapping", "mapped", "loaded"].contains(point)
        let expectedEnd = (op == .apply && beforeWindow) || (op == .replace && beforeWindow) ? before : after
        h.expectOutput(expectedEnd, "after recovery from \(op) at \(point)")
        let list = try h.listJSON()
        #expect(!list.contains("MISMATCH"), "\(list)")
        for v in expectedEnd { #expect(list.contains("counter-\(v)"), "\(v) missing from \(list)") }
        #expect(try Shell.xsplice("recover", "--pid", h.pid).stdout.contains("nothing was pending"))

        // And everything still reverts to the exact original bytes.
        for v in expectedEnd.reversed() { #expect(try h.revert(v).status == 0) }
        #expect(try h.codeSnapshot() == original)
        #expect(
            try anonymousCodeMappings(h.process.pid) == codeMappingsAtStart,
            "loaded code leaked after \(op) at \(point)")
    }
}
