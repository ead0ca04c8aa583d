import Foundation
import Glibc
import TestSupport
import Testing

/// Signals that arrive while xsplice holds a thread (its remote calls, its
/// stop windows) are neither lost nor changed: each queued real-time signal
/// arrives once, with its own si_value, si_code and sender.
@Suite(.serialized) struct SignalTests {
    @Test func twentyThousandQueuedSignalsSurviveFiftyApplyRevertCycles() throws {
        let total = 20_000
        let cycles = 50
        let h = try LiveHarness("sigq", args: ["110", String(getpid()), String(total)])
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let pid = h.process.pid
        let sendFailures = Counter()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            for i in 0..<total {
                // SIGRTMIN is 34 under glibc (it keeps 32 and 33 for itself).
                while sigqueue(pid, 34, sigval(sival_int: Int32(i))) != 0 {
                    if errno != EAGAIN { sendFailures.add(); break }
                    usleep(200)
                }
                if i % 20 == 19 { usleep(10_000) }
            }
        }
        var failures: [String] = []
        for _ in 0..<cycles {
            let a = try h.apply("fixA", timeout: "20")
            if a.status != 0 { failures.append("apply \(a.status): \(a.stderr)") }
            let r = try Shell.xsplice(["revert", "--pid", h.pid, "--timeout", "20", "sigq-fixA"])
            if r.status != 0 { failures.append("revert \(r.status): \(r.stderr)") }
        }
        group.wait()
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(sendFailures.value == 0)
        var seen: [String: String] = [:]
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            seen = h.process.waitForTokens([:])
            if seen["received"] == String(total) { break }
        }
        #expect(seen["received"] == String(total), "signals sent \(total), received \(seen)")
        #expect(seen["distinct"] == String(total), "each value once: \(seen)")
        #expect(seen["wrong"] == "0", "signals with a wrong siginfo: \(seen)")
        #expect(seen["sq_a"] == "4400")
        #expect(try h.codeSnapshot() == original)
        #expect(h.process.isAlive)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }
}
