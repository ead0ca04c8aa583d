import Foundation
import Glibc
import Target
import Testing
import TestSupport

/// The stop window fails closed: code held where only a complete check sees
/// it (corpus/stopwin, one mode per place) makes apply and revert refuse,
/// name the reason, write nothing, and leave the program running as it was.
@Suite(.serialized) struct StopWindowLiveTests {
    /// One holder: a corpus program, its mode, and what the refusal must name.
    struct Case: CustomStringConvertible, Sendable {
        let program: String
        let mode: String
        let variant: String
        /// Said in the refusal (besides the function or new code).
        let reason: String
        /// Sends the second SIGUSR1 while xsplice retries (mode born).
        var midway = false
        var description: String { "\(program) \(mode)" }
    }

    static let cases: [Case] = [
        Case(program: "stopwin", mode: "maps", variant: "fixHold", reason: "stack"),
        Case(program: "stopwin", mode: "born", variant: "fixHold", reason: "stack", midway: true),
        Case(program: "stopwin", mode: "altmap", variant: "fixHold", reason: "signal handler"),
        Case(program: "stopwin", mode: "altlocal", variant: "fixHold", reason: "signal handler"),
        Case(program: "stopclang", mode: "callit", variant: "fixCall", reason: "signal handler"),
        Case(program: "stopwin", mode: "coro", variant: "fixHold", reason: "live part of no thread's stack"),
        Case(program: "stopwin", mode: "deep", variant: "fixHold", reason: "stack"),
        Case(program: "stopwin", mode: "away", variant: "fixHold", reason: "live part of no thread's stack"),
        Case(program: "stopwin", mode: "clonevm", variant: "fixHold", reason: "outside its thread group"),
    ]

    /// Refused apply: the holder is inside the original function.
    @Test(arguments: cases) func applyIsRefusedWhileHeld(_ c: Case) throws {
        let h = try LiveHarness(c.program, args: ["60", c.mode])
        defer { h.process.stop() }
        kill(h.process.pid, SIGUSR1)
        try entered(h, "900")
        try expectRefused(h, c, ["apply", "--pid", h.pid, "--timeout", c.midway ? "4" : "1", try h.payload(c.variant)])
    }

    /// Refused revert: the holder is inside the replacement, which a revert would free.
    @Test(arguments: cases) func revertIsRefusedWhileHeld(_ c: Case) throws {
        let h = try LiveHarness(c.program, args: ["60", c.mode])
        defer { h.process.stop() }
        let a = try h.apply(c.variant)
        #expect(a.status == 0, "\(a.stdout)\(a.stderr)")
        kill(h.process.pid, SIGUSR1)
        try entered(h, c.variant == "fixHold" ? "901" : "900")
        let name = "\(c.program)-\(c.variant)"
        try expectRefused(h, c, ["revert", "--pid", h.pid, "--timeout", c.midway ? "4" : "1", name])
    }

    /// A maps file far over 64 KiB: the registry is still found, and code
    /// nobody holds is applied and reverted while main holds hold_fn.
    @Test func longMapsStillFindTheRegistry() throws {
        let h = try LiveHarness("stopwin", args: ["60", "maps"])
        defer { h.process.stop() }
        // ProcFile: Foundation stops reading a procfs file after one page.
        let maps = try ProcFile.text("/proc/\(h.pid)/maps")
        #expect(maps.utf8.count > 64 << 10)
        kill(h.process.pid, SIGUSR1)
        try entered(h, "900")
        let a = try h.apply("fixWork")
        #expect(a.status == 0, "\(a.stdout)\(a.stderr)")
        #expect(h.process.waitForTokens(["work_fn": "101", "hold_fn": "900"])["work_fn"] == "101")
        let now = try ProcFile.text("/proc/\(h.pid)/maps")
        let line = now.split(separator: "\n").firstIndex { $0.contains("xsplice-registry") } ?? 0
        let offset = now.split(separator: "\n").prefix(line).reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(offset > 4096, "the registry line should be far into the file")
        let list = try h.xs("list", "--pid", h.pid)
        #expect(list.status == 0 && list.stdout.contains("stopwin-fixWork"), "\(list.stdout)\(list.stderr)")
        // The host-wide status finds the registry through the same long maps.
        let status = try h.xs("status", "--json")
        #expect(status.stdout.contains("\"pid\":\(h.pid)") || status.stdout.contains("\"pid\" : \(h.pid)"),
                "status must list \(h.pid): \(status.stdout)")
        #expect(try h.revert("fixWork").status == 0)
        #expect(h.process.waitForTokens(["work_fn": "100"])["work_fn"] == "100")
    }

    /// A suspended coroutine inside hold_fn blocks hold_fn only: work_fn,
    /// which no stack holds, is still patched.
    @Test func coroutineBlocksOnlyTheFunctionItHolds() throws {
        let h = try LiveHarness("stopwin", args: ["60", "coro"])
        defer { h.process.stop() }
        kill(h.process.pid, SIGUSR1)
        try entered(h, "900")
        let a = try h.apply("fixWork")
        #expect(a.status == 0, "\(a.stdout)\(a.stderr)")
        #expect(h.process.waitForTokens(["work_fn": "101"])["work_fn"] == "101")
    }

    /// Threads that entered the function and exited leave their stacks in
    /// glibc's cache, return address and all: they hold nothing, so revert
    /// and a new apply go through, and the code that runs changes each time.
    @Test func exitedThreadsCachedStacksHoldNothing() throws {
        let h = try LiveHarness("stopwin", args: ["60", "exited"])
        defer { h.process.stop() }
        let a = try h.apply("fixHold")
        #expect(a.status == 0, "\(a.stdout)\(a.stderr)")
        kill(h.process.pid, SIGUSR1)
        try entered(h, "901")
        let r = try h.revert("fixHold")
        #expect(r.status == 0, "revert: \(r.stdout)\(r.stderr)")
        kill(h.process.pid, SIGUSR1)
        try entered(h, "900")
        let again = try h.apply("fixHold")
        #expect(again.status == 0, "apply again: \(again.stdout)\(again.stderr)")
        kill(h.process.pid, SIGUSR1)
        try entered(h, "901")
        #expect(h.process.isAlive)
    }

    /// More memory to scan than the budget allows is a refusal that says so.
    @Test func scanBudgetExceededRefusesAndSaysSo() throws {
        let h = try LiveHarness("stopwin", args: ["60", "deep"])
        defer { h.process.stop() }
        kill(h.process.pid, SIGUSR1)
        try entered(h, "900")
        let before = try h.codeSnapshot()
        let r = try Shell.xsplice(["apply", "--pid", h.pid, "--timeout", "0.5", try h.payload("fixWork")],
                                  environment: ["XSPLICE_SCAN_BUDGET_MIB": "16"])
        #expect(r.status == 1 && r.stderr.contains("scan budget"), "\(r.stdout)\(r.stderr)")
        #expect(try h.codeSnapshot() == before)
    }

    // MARK: helpers

    func entered(_ h: LiveHarness, _ token: String) throws {
        let got = h.process.waitForTokens(["hold_fn": token], timeout: 10)
        guard got["hold_fn"] == token else {
            let tail = h.process.output.suffix(300)
            throw TestFailure("the holder did not enter (hold_fn=\(got["hold_fn"] ?? "?")): \(tail)")
        }
    }

    /// Runs the operation (sending the second SIGUSR1 a second in, for a
    /// thread born while xsplice retries) and checks the refusal.
    func expectRefused(_ h: LiveHarness, _ c: Case, _ args: [String]) throws {
        let before = try h.codeSnapshot()
        let token = h.process.lastTick()?.1["hold_fn"] ?? "?"
        if c.midway {
            let pid = h.process.pid
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { kill(pid, SIGUSR1) }
        }
        let r = try Shell.xsplice(args)
        #expect(r.status == 1, "\(c): \(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains(c.reason), "\(c): \(r.stderr)")
        #expect(r.stderr.contains("nothing was written"), "\(c): \(r.stderr)")
        #expect(try h.codeSnapshot() == before, "\(c): code changed")
        // Still running, still the same code: new ticks with the same token.
        let seen = h.process.lastTick()?.0 ?? 0
        let after = h.process.waitForTokens(["hold_fn": token], timeout: 5)
        let moved = (h.process.lastTick()?.0 ?? 0) > seen
        #expect(after["hold_fn"] == token && moved, "\(c): \(h.process.output.suffix(200))")
        #expect(h.process.isAlive)
    }
}
