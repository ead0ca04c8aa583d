import Foundation
import Glibc
import TestSupport
import Testing

/// `--wait-return` on live processes whose function is busy almost all the
/// time but returns (corpus/sleeper, corpus/sleepers), and on one that never
/// returns (corpus/parked). Every case checks what the program prints and
/// what its memory holds afterwards, not only the exit code.
@Suite(.serialized) struct WaitReturnTests {
    @Test func applyAndRevertWaitForTheThreadToLeave() throws {
        let h = try LiveHarness("sleeper")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let mappings = try anonymousCodeMappings(h.process.pid)
        let fix = try h.payload("fixSlow")

        // Without --wait-return the thread is always inside: refused, named.
        let plain = try h.xs("apply", "--pid", h.pid, "--timeout", "1", fix)
        #expect(plain.status == 1, "\(plain.stderr)")
        #expect(plain.stderr.contains("thread \(h.pid)") && plain.stderr.contains("slow_tick"), "\(plain.stderr)")
        #expect(try h.codeSnapshot() == original)
        expectTick(h, "slow_tick", "4000", "refused without --wait-return")

        let r = try h.xs("apply", "--pid", h.pid, "--timeout", "10", "--wait-return", "--json", fix)
        #expect(r.status == 0, "\(r.stderr)")
        let waited = try Self.waited(r.stdout)
        #expect(waited.threads == 1 && waited.functions == ["slow_tick"], "\(r.stdout)")
        expectTick(h, "slow_tick", "4001", "after apply --wait-return")

        let stuck = try h.xs("revert", "--pid", h.pid, "--timeout", "1", "sleeper-fixSlow")
        #expect(stuck.status == 1 && stuck.stderr.contains("sleeper-fixSlow"), "\(stuck.stderr)")
        expectTick(h, "slow_tick", "4001", "revert refused without --wait-return")

        let back = try h.xs("revert", "--pid", h.pid, "--timeout", "10", "--wait-return", "sleeper-fixSlow")
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("waited for 1 thread to leave slow_tick"), "\(back.stdout)")
        expectTick(h, "slow_tick", "4000", "after revert --wait-return")
        #expect(try h.codeSnapshot() == original)
        // Neither the new code nor the return stubs are left behind.
        #expect(try anonymousCodeMappings(h.process.pid) == mappings)
        #expect(h.process.isAlive)
    }

    /// nested_tick sleeps four frames deep in itself: the thread is let run
    /// until the outermost frame returns.
    @Test func recursionIsWaitedOutToTheOutermostFrame() throws {
        let h = try LiveHarness("sleeper", args: ["60", "nested"])
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let r = try h.xs("apply", "--pid", h.pid, "--timeout", "10", "--wait-return", try h.payload("fixNested"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("waited for 1 thread to leave nested_tick"), "\(r.stdout)")
        expectTick(h, "nested_tick", "4101")
        let back = try h.xs("revert", "--pid", h.pid, "--timeout", "10", "--wait-return", "sleeper-fixNested")
        #expect(back.status == 0, "\(back.stderr)")
        expectTick(h, "nested_tick", "4100")
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }

    /// Four threads in slow_many at once: each is held where it returned
    /// until all four are out, then the code is patched in one stop.
    @Test func fourThreadsAreAllWaitedFor() throws {
        let h = try LiveHarness("sleepers")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let r = try h.xs("apply", "--pid", h.pid, "--timeout", "10", "--wait-return", "--json",
                         try h.payload("fixMany"))
        #expect(r.status == 0, "\(r.stderr)")
        let waited = try Self.waited(r.stdout)
        #expect(waited.threads >= 1 && waited.threads <= 4, "\(r.stdout)")
        #expect(r.stdout.contains("\"threads\" : 5"), "all five threads stopped for the write: \(r.stdout)")
        try expectEveryThreadPrints("5001", h)
        let back = try h.xs("replace", "--pid", h.pid, "--timeout", "10", "--wait-return", "sleepers-fixMany",
                            try h.payload("fixMany2"))
        #expect(back.status == 0, "\(back.stderr)")
        try expectEveryThreadPrints("5002", h)
        let revert = try h.xs("revert", "--pid", h.pid, "--timeout", "10", "--wait-return", "sleepers-fixMany2")
        #expect(revert.status == 0, "\(revert.stderr)")
        try expectEveryThreadPrints("5000", h)
        #expect(try h.codeSnapshot() == original)
    }

    /// Queued real-time signals sent all through an apply that waits (the
    /// threads run traced, are held, and are stopped again): every one is
    /// handled, none lost or doubled.
    /// Paced (one per millisecond) and as a flood (no pause: many arrive
    /// while the waiting threads are being stopped again, where a held
    /// signal must be queued again, not dropped).
    @Test(arguments: [(300, UInt32(1000)), (3000, UInt32(0))])
    func signalsSentWhileWaitingAreAllDelivered(_ total: Int, _ pause: UInt32) throws {
        let h = try LiveHarness("sleepers")
        defer { h.process.stop() }
        let pid = h.process.pid
        let done = DispatchSemaphore(value: 0)
        // Signals the sender could not queue: the per-user limit of queued
        // signals is shared by every root process on the host (other tests
        // queue thousands), so EAGAIN is retried, not taken for a loss.
        nonisolated(unsafe) var unsent = 0
        let sender = Thread {
            for i in 0..<total {
                var v = sigval()
                v.sival_int = Int32(i)
                // 34 is SIGRTMIN under glibc (32 and 33 are its own).
                var tries = 0
                while sigqueue(pid, 34, v) != 0 {
                    tries += 1
                    if errno != EAGAIN || tries > 5_000 { unsent += 1; break }
                    usleep(200)
                }
                if pause > 0 { usleep(pause) }
            }
            done.signal()
        }
        sender.start()
        let r = try h.xs("apply", "--pid", h.pid, "--timeout", "10", "--wait-return", try h.payload("fixMany"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("waited for"), "\(r.stdout)")
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(unsent == 0, "\(unsent) signals could not be queued by the test itself")
        let seen = h.process.waitForTokens(["slow_many": "5001", "signals": "\(total)"])
        #expect(seen == ["slow_many": "5001", "signals": "\(total)"])
        #expect(h.process.isAlive)
    }

    /// park_here never returns while parked: waiting cannot help, so the
    /// apply is refused at the timeout, naming thread and function, and the
    /// thread's return address is put back (released later, it returns
    /// normally; a stub left in its place would have been freed under it).
    @Test func aFunctionThatNeverReturnsIsRefusedUnharmed() throws {
        let h = try LiveHarness("parked")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let mappings = try anonymousCodeMappings(h.process.pid)
        let r = try h.xs("apply", "--pid", h.pid, "--timeout", "1.5", "--wait-return", try h.payload("fixPark"))
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("park_here") && r.stderr.contains("no busy thread returned"), "\(r.stderr)")
        #expect(try h.codeSnapshot() == original)
        #expect(try anonymousCodeMappings(h.process.pid) == mappings,
                "the return stubs or the loaded code were left behind")
        kill(h.process.pid, SIGUSR1)
        Thread.sleep(forTimeInterval: 0.3)
        h.expectOutput([], "after the parked thread returned")
        #expect(h.process.isAlive, "the released thread returned into something xsplice left behind")
        let now = try h.xs("apply", "--pid", h.pid, "--timeout", "5", "--wait-return", try h.payload("fixPark"))
        #expect(now.status == 0, "\(now.stderr)")
        h.expectOutput(["fixPark"])
    }

    /// xsplice killed while a thread's return address leads to its stub:
    /// the thread returns through the stub with no tracer and goes on; the
    /// next command abandons the interrupted apply.
    @Test func killedWhileWaitingLeavesARunningTarget() throws {
        let h = try LiveHarness("parked")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let args = ["apply", "--pid", h.pid, "--timeout", "10", "--wait-return", try h.payload("fixPark")]
        let r = try Shell.xsplice(args, environment: ["XSPLICE_FAULT": "waiting"])
        #expect(r.killedBySignal && r.status == SIGKILL, "\(r.status) \(r.stderr)")
        #expect(h.process.isAlive)
        #expect(try h.codeSnapshot() == original)
        kill(h.process.pid, SIGUSR1)
        Thread.sleep(forTimeInterval: 0.3)
        h.expectOutput([], "after the parked thread returned through its stub")
        #expect(h.process.isAlive, "returning through the stub without xsplice killed the target")
        let rec = try h.xs("recover", "--pid", h.pid)
        #expect(rec.status == 0 && rec.stdout.contains("abandoned"), "\(rec.stdout) \(rec.stderr)")
        #expect(try h.apply("fixPark").status == 0)
        h.expectOutput(["fixPark"])
    }

    // MARK: helpers

    struct Waited: Decodable {
        let threads: Int
        let functions: [String]
    }

    static func waited(_ json: String) throws -> Waited {
        struct Result: Decodable { let waited: Waited? }
        let r = try JSONDecoder().decode(Result.self, from: Data(json.utf8))
        guard let w = r.waited else { throw TestFailure("no \"waited\" in \(json)") }
        return w
    }

    /// The program prints `function=token` (sleeper prints one of its two).
    func expectTick(_ h: LiveHarness, _ function: String, _ token: String, _ note: Comment? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) {
        let got = h.process.waitForTokens([function: token])
        #expect(got == [function: token], note, sourceLocation: sourceLocation)
    }

    /// Several ticks in a row, from all four threads, carry `token`.
    func expectEveryThreadPrints(_ token: String, _ h: LiveHarness,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
        h.process.waitForTokens(["slow_many": token])
        let start = h.process.output.split(separator: "\n").count
        Thread.sleep(forTimeInterval: 0.5)
        let fresh = h.process.output.split(separator: "\n").dropFirst(start).filter { $0.hasPrefix("tick ") }
        #expect(fresh.count >= 8, "\(fresh)", sourceLocation: sourceLocation)
        #expect(fresh.allSatisfy { $0.contains(" slow_many=\(token) ") }, "\(fresh)", sourceLocation: sourceLocation)
    }
}
