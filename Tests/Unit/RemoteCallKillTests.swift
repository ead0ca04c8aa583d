import Foundation
import Target
import TestSupport
import Testing

/// xsplice SIGKILLed inside a remote system call or a remote function call
/// (the kill points of `FaultPoint`), on `keepsake`: the thread it borrowed
/// must go back exactly where it was, through the return frame alone. In
/// `spin` mode that thread never leaves an asm loop that checks ymm0-7,
/// rbx and r12-r15 on every turn; in `sleep` mode it sits in a raw
/// nanosleep holding the same values, and counts a sleep that ends early
/// or with EINTR. Its signal mask is compared from outside, and afterwards
/// nothing is left: no tracer, no open registry descriptor, and the next
/// xsplice applies and reverts normally.
@Suite(.serialized) struct RemoteCallKillTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let mode: String
        let point: String
        /// Remote calls of the apply to let pass first (0: memfd_create of
        /// the registry, 2: its mmap, 4: the mmap of the new code).
        let skip: Int
        var testDescription: String { "\(mode) \(point)" + (skip > 0 ? " (call \(skip + 1))" : "") }
    }

    static var cases: [Case] {
        let points: [String] = FaultPoint.syscallPoints + FaultPoint.callPoints + ["registry-fd"]
        var out: [Case] = []
        for mode in ["spin", "sleep"] {
            out += points.map { Case(mode: mode, point: $0, skip: 0) }
        }
        // Later calls of the same apply, on the thread blocked in its sleep:
        // the registry mapped but its header not yet written, and the code's mmap.
        out += [Case(mode: "sleep", point: "syscall-exit", skip: 2), Case(mode: "sleep", point: "syscall-set", skip: 4)]
        return out
    }

    @Test(.enabled(if: FaultPoint.compiledIn), arguments: cases)
    func killedInsideARemoteCallLeavesTheThreadAsItWas(_ c: Case) throws {
        let h = try LiveHarness("keepsake", args: ["60", c.mode])
        defer { h.process.stop() }
        let pid = h.process.pid
        // The main thread blocks SIGUSR2 and SIGRTMIN+3 once its four helpers
        // run, and they block nothing once pthread_create has let them go.
        let settled = { (m: [String: String]) in
            m.count == 5 && m.allSatisfy { $0.value == ($0.key == "\(pid)" ? "0000001000000800" : "0000000000000000") }
        }
        let until = Date().addingTimeInterval(5)
        while try !settled(Self.signalMasks(pid)) && Date() < until { usleep(10_000) }
        let masks = try Self.signalMasks(pid)
        #expect(settled(masks), "\(masks)")
        let r = try Shell.xsplice(["apply", "--pid", h.pid, try h.payload("fixA")],
                                  environment: ["XSPLICE_FAULT": c.point, "XSPLICE_FAULT_SKIP": "\(c.skip)"])
        #expect(r.killedBySignal && r.status == SIGKILL, "\(c.testDescription): \(r.status) \(r.stderr)")

        // The target runs on, its borrowed thread included.
        let progress = c.mode == "spin" ? "spins" : "sleeps"
        let now = h.process.lastTick()?.0 ?? 0
        let later = h.process.ticks(after: now, count: 12, timeout: 10)
        #expect(h.process.isAlive, "the target died after xsplice was killed at \(c.testDescription)")
        let first = Int(later.first?.1[progress] ?? "") ?? -1, last = Int(later.last?.1[progress] ?? "") ?? -1
        #expect(later.count == 12 && last > first, "\(progress) stalled at \(c.testDescription): \(first) -> \(last)")
        for key in ["bad", "eintr", "short"] {
            #expect(later.last?.1[key] == "0", "\(key) after a kill at \(c.testDescription): \(later.last?.1 ?? [:])")
        }
        let masksAfter = try Self.signalMasks(pid)
        #expect(masksAfter == masks, "masks changed by a kill at \(c.testDescription): \(masks) -> \(masksAfter)")
        #expect(try Self.tracedThreads(pid).isEmpty, "threads still traced after a kill at \(c.testDescription)")

        // The next xsplice cleans up and works.
        let rec = try Shell.xsplice("recover", "--pid", h.pid)
        #expect(rec.status == 0, "\(rec.stderr)")
        #expect(try Self.registryDescriptors(pid) == 0, "a registry descriptor was left open: \(rec.stdout)")
        #expect(try h.apply("fixA").status == 0)
        h.expectOutput(["fixA"], "apply after a kill at \(c.testDescription)")
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([], "revert after a kill at \(c.testDescription)")
        #expect(h.process.lastTick()?.1["bad"] == "0")
    }

    /// SigBlk of every thread, by thread ID.
    static func signalMasks(_ pid: Int32) throws -> [String: String] {
        try statusField("SigBlk", pid)
    }

    static func tracedThreads(_ pid: Int32) throws -> [String] {
        try statusField("TracerPid", pid).filter { $0.value != "0" }.map(\.key)
    }

    static func statusField(_ key: String, _ pid: Int32) throws -> [String: String] {
        var out: [String: String] = [:]
        for tid in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
            let s = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8)) ?? ""
            for line in s.split(separator: "\n") where line.hasPrefix("\(key):") {
                out[tid] = line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
            }
        }
        return out
    }

    /// Open descriptors of the target on xsplice's registry memfd.
    static func registryDescriptors(_ pid: Int32) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").filter {
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "")
                .hasPrefix("/memfd:xsplice-registry")
        }.count
    }
}
