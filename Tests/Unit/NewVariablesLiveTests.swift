import Foundation
import TestSupport
import Testing

/// Variables the new code adds (corpus/newvars): fixCount brings a counter in
/// `.data` (starts at 41) and a first-call flag in `.bss`; fixStacked, built
/// on top of it, replaces another function with one returning that counter.
/// The program's own lines prove the initial values, that the variables
/// persist across calls and stacked payloads, and where the stacked payload
/// bound; the maps prove the data pages are read-write, never executable,
/// and freed by revert.
@Suite(.serialized) struct NewVariablesLiveTests {
    let dir = Paths.tempDir("newvars")
    var build: String { "\(Paths.corpusBuild)/newvars" }

    func payloads() throws -> (count: String, stacked: String) {
        try Corpus.ensureBuilt()
        let count = "\(dir)/count.xsp", stacked = "\(dir)/stacked.xsp"
        let a = try Shell.xsplice(["build", "--binary", "\(build)/newvars", "--object", "\(build)/fixCount.o",
                                   "--function", "report", "--name", "count", "-o", count])
        guard a.status == 0 else { throw TestFailure("build count: \(a.stderr)") }
        let b = try Shell.xsplice(["build", "--binary", "\(build)/newvars", "--object", "\(build)/fixStacked.o",
                                   "--function", "peek", "--name", "stacked", "--on-top-of", count, "-o", stacked])
        guard b.status == 0 else { throw TestFailure("build stacked: \(b.stderr)") }
        return (count, stacked)
    }

    /// The mapping of the target that starts at `address`, as its maps line.
    func mapping(_ pid: Int32, at address: UInt64) throws -> String? {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let start = String(address, radix: 16)
        return maps.split(separator: "\n").first { $0.hasPrefix(start + "-") }.map(String.init)
    }

    func region(_ json: String) -> UInt64? {
        guard let d = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let s = d["region"] as? String, s.hasPrefix("0x") else { return nil }
        return UInt64(s.dropFirst(2), radix: 16)
    }

    @Test func newVariablesStartInitialisedPersistStackAndAreFreed() throws {
        let (count, stacked) = try payloads()
        let p = try LiveProcess("\(build)/newvars", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        #expect(p.waitForTokens(["calls": "none", "first": "none"]) == ["calls": "none", "first": "none"])

        // The stacked payload first: its owner is not applied, so nothing is written.
        let early = try Shell.xsplice(["apply", "--pid", "\(p.pid)", stacked])
        #expect(early.status == 1, "\(early.stdout)\(early.stderr)")

        let before = p.lastTick()?.0 ?? 0
        let a = try Shell.xsplice(["apply", "--json", "--pid", "\(p.pid)", count])
        #expect(a.status == 0, "\(a.stderr)")
        let base = try #require(region(a.stdout), "\(a.stdout)")
        // The variables' page opens the region: read-write, anonymous, not executable.
        let line = try #require(try mapping(p.pid, at: base))
        #expect(line.split(separator: " ")[1] == "rw-p" && line.split(separator: " ").count == 5, "\(line)")

        // From the first patched call: calls counts up from 41 + 1, first is 1 only once.
        let patched = p.ticks(after: before, count: 40, timeout: 15).filter { $0.1["calls"] != "none" }
        try #require(patched.count >= 3, "\(p.output.suffix(400))")
        #expect(patched[0].1["calls"] == "42" && patched[0].1["first"] == "1", "\(patched[0])")
        for (k, t) in patched.enumerated() {
            #expect(t.1["calls"] == String(42 + k), "tick \(t.0): \(t.1)")
            if k > 0 { #expect(t.1["first"] == "0", "tick \(t.0): \(t.1)") }
        }

        // Stacked: peek() now returns the first payload's counter, which keeps counting.
        let s = try Shell.xsplice(["apply", "--pid", "\(p.pid)", stacked])
        #expect(s.status == 0, "\(s.stderr)")
        let atStack = p.lastTick()?.0 ?? 0
        let both = p.ticks(after: atStack + 1, count: 3, timeout: 15)
        try #require(both.count == 3, "\(p.output.suffix(400))")
        for t in both { #expect(t.1["peek"] == t.1["calls"] && t.1["first"] == "0", "tick \(t.0): \(t.1)") }
        let counted = Int(both[2].1["calls"] ?? "") ?? 0
        #expect(counted == 42 + (both[2].0 - patched[0].0), "the counter skipped or restarted: \(both)")

        // The owner cannot go while the stacked payload uses its variable.
        let r1 = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "count"])
        #expect(r1.status == 1 && r1.stderr.contains("stacked"), "\(r1.stderr)")
        let still = p.ticks(after: p.lastTick()?.0 ?? 0, count: 1, timeout: 15)
        #expect(still.first.map { $0.1["peek"] == $0.1["calls"] } == true, "\(still)")

        // Stacked reverted: peek is the program's again; the counter carries on.
        let r2 = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "stacked"])
        #expect(r2.status == 0, "\(r2.stderr)")
        let alone = p.ticks(after: (p.lastTick()?.0 ?? 0) + 1, count: 1, timeout: 15)
        let t = try #require(alone.first)
        #expect(t.1["peek"] == String(t.0 % 7 - 100), "\(t)")
        #expect(t.1["calls"] == String(42 + (t.0 - patched[0].0)), "\(t)")

        // Owner reverted: the old line, and the region (data pages included) is gone.
        let r3 = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "count"])
        #expect(r3.status == 0, "\(r3.stderr)")
        #expect(p.waitForTokens(["calls": "none", "first": "none"], timeout: 10) == ["calls": "none", "first": "none"])
        #expect(try mapping(p.pid, at: base) == nil)
        #expect(p.isAlive)
    }

    /// A new variable holding the address of the payload's own new code
    /// (`.data.rel.local`, relocated at load): the program calls through it,
    /// and the revert is not refused by that pointer, which goes away with
    /// the code it points to.
    @Test func pointerToOwnNewCodeIsRelocatedAndDoesNotBlockRevert() throws {
        try Corpus.ensureBuilt()
        let out = "\(dir)/pointer.xsp"
        let b = try Shell.xsplice(["build", "--binary", "\(build)/newvars", "--object", "\(build)/fixPointer.o",
                                   "--function", "report", "--name", "pointer", "-o", out])
        #expect(b.status == 0, "\(b.stderr)")
        let p = try LiveProcess("\(build)/newvars", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        let before = p.lastTick()?.0 ?? 0
        let a = try Shell.xsplice(["apply", "--pid", "\(p.pid)", out])
        #expect(a.status == 0, "\(a.stderr)")
        let patched = p.ticks(after: before, count: 40, timeout: 15).filter { $0.1["first"] == "pointer" }
        try #require(patched.count >= 3, "\(p.output.suffix(400))")
        // 41, then + 2 per call through the pointer to the new bump().
        for (k, t) in patched.enumerated() { #expect(t.1["calls"] == String(43 + 2 * k), "tick \(t.0): \(t.1)") }
        let r = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "--timeout", "10", "pointer"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(p.waitForTokens(["calls": "none"], timeout: 10) == ["calls": "none"])
        #expect(p.isAlive)
    }

    /// The program's mappings with no file behind them (where code regions and data pages go).
    func anonymous(_ pid: Int32) throws -> Set<String> {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        return Set(maps.split(separator: "\n").filter { $0.split(separator: " ").count == 5 }
            .map { $0.split(separator: " ").prefix(2).joined(separator: " ") })
    }

    /// xsplice killed once the region with the data pages is mapped (and
    /// filled): `recover` frees it, data pages included, and nothing leaks.
    @Test(arguments: ["mapped", "loaded"])
    func killedApplyLeavesNoDataPages(point: String) throws {
        let (count, _) = try payloads()
        let p = try LiveProcess("\(build)/newvars", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        let start = try anonymous(p.pid)
        let r = try Shell.xsplice(["apply", "--pid", "\(p.pid)", count], environment: ["XSPLICE_FAULT": point])
        #expect(r.killedBySignal, "\(r.status) \(r.stderr)")
        let rec = try Shell.xsplice(["recover", "--pid", "\(p.pid)"])
        #expect(rec.status == 0, "\(rec.stderr)")
        let end = try anonymous(p.pid)
        #expect(end == start, "leaked: \(end.subtracting(start))")
        #expect(p.waitForTokens(["calls": "none"], timeout: 10) == ["calls": "none"])
        #expect(p.isAlive)
    }

    /// A section that holds a new variable next to one the program has
    /// (no -fdata-sections) cannot travel whole: refused, naming both.
    @Test func newVariableSharingASectionWithAnExistingOneIsRefused() throws {
        try Corpus.ensureBuilt()
        let src = "\(dir)/mixed.c"
        try """
        int newvars_calls = 41;
        int newvars_other = 7;
        int peek(int n) { return n + newvars_calls + newvars_other; }
        """.write(toFile: src, atomically: true, encoding: .utf8)
        let bin = "\(dir)/mixed-bin"
        // A program that has newvars_other (and peek) but not newvars_calls.
        let prog = "\(dir)/mixed-prog.c"
        try """
        int newvars_other = 7;
        __attribute__((noinline)) int peek(int n) { return n * 3 + newvars_other; }
        int main(int c, char **v) { (void)v; return peek(c); }
        """.write(toFile: prog, atomically: true, encoding: .utf8)
        let cc1 = try Shell.run("/usr/bin/gcc", ["-O2", "-fPIE", "-pie", "-ffunction-sections", prog, "-o", bin])
        #expect(cc1.status == 0, "\(cc1.stderr)")
        let obj = "\(dir)/mixed.o"
        let cc2 = try Shell.run("/usr/bin/gcc", ["-O2", "-fPIE", "-ffunction-sections", "-c", src, "-o", obj])
        #expect(cc2.status == 0, "\(cc2.stderr)")
        let r = try Shell.xsplice(["build", "--binary", bin, "--object", obj, "--function", "peek",
                                   "-o", "\(dir)/m.xsp"])
        #expect(r.status != 0, "\(r.stdout)")
        for w in ["newvars_calls", "newvars_other", "-fdata-sections"] {
            #expect(r.stderr.contains(w), "\(w): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m.xsp"))
    }
}
