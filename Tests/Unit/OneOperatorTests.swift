@testable import Applier
import Foundation
import TestSupport
import Testing

/// One xsplice per process: concurrent operators take turns on the lock,
/// and one that cannot get it in time says who holds it.
@Suite(.serialized) struct OneOperatorTests {
    /// Runs two command sequences at once and returns every result.
    static func concurrently(_ a: [[String]], _ b: [[String]]) -> [String] {
        let box = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            for args in i == 0 ? a : b {
                do {
                    let r = try Shell.xsplice(args)
                    if r.status != 0 { box.add("\(args[0]) exit \(r.status): \(r.stderr)") }
                } catch { box.add("\(error)") }
            }
        }
        return box.all
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ r: String) { lock.lock(); items.append(r); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    @Test(arguments: ["workers", "chain"])
    func fiftyRoundsOfConcurrentOperatorsLeaveAConsistentTarget(program: String) throws {
        let h = try LiveHarness(program, args: ["110"])
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let (a, b) = (try h.payload("fixA"), try h.payload("fixB"))
        let p = h.manifest.program
        var failures: [String] = []
        let rounds = 50
        for _ in 0..<rounds {
            failures += Self.concurrently(
                [
                    ["apply", "--pid", h.pid, "--timeout", "30", a],
                    ["revert", "--pid", h.pid, "--timeout", "30", "\(p)-fixA"],
                ],
                [
                    ["apply", "--pid", h.pid, "--timeout", "30", b],
                    ["revert", "--pid", h.pid, "--timeout", "30", "\(p)-fixB"],
                ])
            guard h.process.isAlive else { break }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(rounds * 4) operations failed: \(failures.prefix(3))")
        #expect(h.process.isAlive, "the target died")
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        let list = try Shell.xsplice("list", "--pid", h.pid)
        #expect(list.status == 0 && list.stdout.contains("no payloads applied"), "\(list.stdout) \(list.stderr)")
        #expect(!list.stderr.contains("pending"), "\(list.stderr)")
    }

    @Test func aSecondOperatorWaitsThenNamesTheHolder() throws {
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let dir = Paths.tempDir("locks")
        let env = ["XSPLICE_LOCK_DIR": dir]
        var lock: OperatorLock? = try OperatorLock(pid: h.process.pid, timeoutSeconds: 1, directory: dir)
        let r = try Shell.xsplice(
            ["apply", "--pid", h.pid, "--timeout", "0.4", try h.payload("fixA")], environment: env)
        #expect(r.status == 1, "\(r.status) \(r.stderr)")
        #expect(r.stderr.contains("another xsplice is operating on PID \(h.pid) (pid \(getpid()))"), "\(r.stderr)")
        // The real time waited, not the 0.0 s of a hard-coded figure.
        #expect(
            r.stderr.contains("waited 0.4 s") || r.stderr.contains("waited 0.5 s") || r.stderr.contains("waited 0.6 s"),
                "\(r.stderr)")
        #expect(try h.codeSnapshot() == original)
        h.expectOutput([])
        lock?.release()
        lock = nil
        let ok = try Shell.xsplice(["apply", "--pid", h.pid, try h.payload("fixA")], environment: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        h.expectOutput(["fixA"])
    }
}
