import Foundation
import TestSupport
import Testing

/// The new code's unwind information, live: C++ exceptions thrown from and
/// through replacement code, destructors run on the way, and backtrace()
/// walking out of it. Each test reads what the program prints after the
/// operation; without the registration the first two abort the program
/// (terminate) and the third stops at the new frame.
@Suite(.serialized) struct UnwindLiveTests {
    let dir = Paths.tempDir("unwind")

    func build(_ program: String, _ object: String, _ function: String, name: String) throws -> String {
        try Corpus.ensureBuilt()
        let b = "\(Paths.corpusBuild)/\(program)"
        let out = "\(dir)/\(name).xsp"
        let r = try Shell.xsplice(["build", "--binary", "\(b)/\(program)", "--object", "\(b)/\(object).o",
                                   "--function", function, "--name", name, "-o", out])
        guard r.status == 0 else { throw TestFailure("build \(name): \(r.stderr)") }
        return out
    }

    func start(_ program: String, _ extra: [String] = []) throws -> LiveProcess {
        let p = try LiveProcess("\(Paths.corpusBuild)/\(program)/\(program)", args: ["60"] + extra)
        try p.waitUntilRunning()
        return p
    }

    func expectTokens(_ p: LiveProcess, _ want: [String: String], _ note: String,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let got = p.waitForTokens(want, timeout: 10)
        #expect(got == want, "\(note); output: \(p.output.suffix(400))", sourceLocation: sourceLocation)
    }

    @Test func exceptionThrownInNewCodeIsCaughtByOldCode() throws {
        let payload = try build("exc", "fixThrow", "_Z7throweri", name: "throw-new")
        let p = try start("exc")
        defer { p.stop() }
        expectTokens(p, ["thrower": "plain"], "before")
        let a = try Shell.xsplice(["apply", "--pid", "\(p.pid)", "--json", payload])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.contains("registered with libgcc_s.so.1"), "\(a.stdout)")
        expectTokens(p, ["thrower": "caught-new", "relay": "caught-old/none"], "the new code's exception "
            + "reached main's catch")
        #expect(p.isAlive)
        let r = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "throw-new"])
        #expect(r.status == 0, "\(r.stderr)")
        expectTokens(p, ["thrower": "plain"], "after revert")
        #expect(p.isAlive)
    }

    @Test func oldExceptionUnwindsThroughNewCodeAndRunsItsDestructor() throws {
        let payload = try build("exc", "fixRelay", "_Z5relayi", name: "relay-new")
        let p = try start("exc")
        defer { p.stop() }
        expectTokens(p, ["relay": "caught-old/none"], "before")
        let a = try Shell.xsplice(["apply", "--pid", "\(p.pid)", payload])
        #expect(a.status == 0, "\(a.stderr)")
        expectTokens(p, ["relay": "caught-old/relay-new", "thrower": "plain"], "the destructor of the new frame ran")
        let r = try Shell.xsplice(["revert", "--pid", "\(p.pid)", "relay-new"])
        #expect(r.status == 0, "\(r.stderr)")
        // Exceptions keep passing the unwinder's list after the frames are
        // taken back and the region is freed: a stale entry would crash here.
        expectTokens(p, ["relay": "caught-old/none"], "after revert")
        Thread.sleep(forTimeInterval: 0.3)
        expectTokens(p, ["relay": "caught-old/none", "thrower": "plain"], "still running after revert")
        #expect(p.isAlive)
    }

    /// Replace takes the old payload's frames back and registers the new
    /// one's in the same operation; both payloads throw through new code.
    @Test func replaceMovesTheRegistration() throws {
        let first = try build("exc", "fixRelay", "_Z5relayi", name: "relay-one")
        let second = try build("exc", "fixRelay", "_Z5relayi", name: "relay-two")
        let thrower = try build("exc", "fixThrow", "_Z7throweri", name: "throw-too")
        let p = try start("exc")
        defer { p.stop() }
        #expect(try Shell.xsplice(["apply", "--pid", "\(p.pid)", first]).status == 0)
        #expect(try Shell.xsplice(["apply", "--pid", "\(p.pid)", thrower]).status == 0)
        expectTokens(p, ["relay": "caught-old/relay-new", "thrower": "caught-new"], "both applied")
        let r = try Shell.xsplice(["replace", "--pid", "\(p.pid)", "relay-one", second])
        #expect(r.status == 0, "\(r.stderr)")
        expectTokens(p, ["relay": "caught-old/relay-new", "thrower": "caught-new"], "after replace")
        #expect(try Shell.xsplice(["revert", "--pid", "\(p.pid)", "relay-two"]).status == 0)
        expectTokens(p, ["relay": "caught-old/none", "thrower": "caught-new"], "the other payload's frames still work")
        #expect(try Shell.xsplice(["revert", "--pid", "\(p.pid)", "throw-too"]).status == 0)
        expectTokens(p, ["relay": "caught-old/none", "thrower": "plain"], "all reverted")
        #expect(p.isAlive)
    }

    @Test func backtraceFromNewCodeNamesItsCaller() throws {
        let payload = try build("btrace", "fixWhere", "where", name: "where-new")
        let p = try start("btrace")
        defer { p.stop() }
        expectTokens(p, ["where": "old"], "before")
        let a = try Shell.xsplice(["apply", "--pid", "\(p.pid)", payload])
        #expect(a.status == 0, "\(a.stderr)")
        expectTokens(p, ["where": "report_tick"], "backtrace() walked from the new code to its caller")
        #expect(try Shell.xsplice(["revert", "--pid", "\(p.pid)", "where-new"]).status == 0)
        expectTokens(p, ["where": "old"], "after revert")
    }

    /// A C program without an unwinder loaded: the payload carries frames,
    /// nothing registers them, and it applies as before, saying so.
    @Test func cProgramWithoutUnwinderAppliesAsBefore() throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let h = try LiveHarness("counter")
        defer { h.process.stop() }
        let a = try Shell.xsplice(["apply", "--pid", h.pid, "--json", payload])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout.contains("not registered"), "\(a.stdout)")
        h.expectOutput(["fixA"])
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([])
    }

    /// A process whose only thread never sits in a system call has no thread
    /// that provably holds neither the unwinder's nor the allocator's lock:
    /// apply refuses before writing, and the program runs on unchanged.
    @Test func noIdleThreadIsRefusedBeforeAnyWrite() throws {
        let payload = try build("exc", "fixThrow", "_Z7throweri", name: "throw-busy")
        let p = try start("exc", ["spin"])
        defer { p.stop() }
        let a = try Shell.xsplice(["apply", "--pid", "\(p.pid)", "--timeout", "1", payload])
        #expect(a.status == 1, "\(a.stdout) \(a.stderr)")
        #expect(a.stderr.contains("no thread of the target could run __register_frame_info"), "\(a.stderr)")
        #expect(a.stderr.contains("running user code"), "\(a.stderr)")
        let v = try Shell.xsplice(["verify", "--pid", "\(p.pid)", payload])
        #expect(v.status == 0 && v.stdout.contains("applicable"), "\(v.stdout)")
        let l = try Shell.xsplice(["list", "--pid", "\(p.pid)", "--json"])
        #expect(!l.stdout.contains("throw-busy"), "\(l.stdout)")
        expectTokens(p, ["thrower": "plain", "relay": "caught-old/none"], "unchanged")
        #expect(p.isAlive)
    }
}
