import Foundation
import Glibc
import Testing
import TestSupport

/// The longest per-thread stop an operation reports covers every stop that
/// held the thread, not only the window that writes: checked against what
/// the kernel shows of the thread while xsplice works on it.
@Suite(.serialized) struct HonestPauseLiveTests {
    struct Reported: Decodable {
        var pause_us: UInt64
        var max_thread_stop_us: UInt64
        var max_thread_stops: Int
        var outcome: String
    }

    @Test func longestThreadStopCoversEveryStopOfTheOperation() throws {
        let m = try Manifest("held")
        let payload = try Corpus.payload(m, "fixHeld")
        let p = try LiveProcess(m.binaryPath)
        defer { p.stop() }
        try p.waitUntilRunning()
        #expect(p.waitForTokens(["held_value": "700"])["held_value"] == "700")

        let apply = try Self.watched(p.pid) { try Shell.xsplice("apply", "--pid", "\(p.pid)", payload, "--json") }
        #expect(apply.result.status == 0, "\(apply.result.stderr)")
        let a = try JSONDecoder().decode(Reported.self, from: Data(apply.result.stdout.utf8))
        #expect(a.outcome == "applied")
        // The program runs the new code: the operation did what it said.
        #expect(p.waitForTokens(["held_value": "701"])["held_value"] == "701")
        try Self.judge(a, seen: apply.seen, what: "apply")

        let revert = try Self.watched(p.pid) {
            try Shell.xsplice("revert", "--pid", "\(p.pid)", "held-fixHeld", "--json")
        }
        #expect(revert.result.status == 0, "\(revert.result.stderr)")
        let r = try JSONDecoder().decode(Reported.self, from: Data(revert.result.stdout.utf8))
        #expect(p.waitForTokens(["held_value": "700"])["held_value"] == "700")
        try Self.judge(r, seen: revert.seen, what: "revert")
    }

    static func judge(_ r: Reported, seen: StopWatcher.Seen, what: String) throws {
        // Besides the window, the main thread lent itself to a remote system
        // call in a stop of its own: mapping the code (and creating the
        // registry) before an apply, unmapping it after a revert.
        #expect(r.max_thread_stops >= 2, "\(what): \(r)")
        #expect(r.max_thread_stop_us > r.pause_us, "\(what): \(r)")
        // The kernel showed the main thread in a tracing stop at least this
        // long (a lower bound: only stretches between two close samples
        // count, and a watcher starved of CPU sees less); the report must
        // not be shorter.
        let why = "\(what): reported \(r.max_thread_stop_us) us (\(r.max_thread_stops) stops), the kernel showed "
            + "\(seen)"
        #expect(r.max_thread_stop_us >= seen.stoppedMicros, "\(why)")
    }

    static func watched<T>(_ pid: Int32, _ body: () throws -> T) throws -> (result: T, seen: StopWatcher.Seen) {
        let w = try StopWatcher(pid: pid, tid: pid)
        w.start()
        let result: T
        do { result = try body() } catch {
            _ = w.finish()
            throw error
        }
        return (result, w.finish())
    }
}
