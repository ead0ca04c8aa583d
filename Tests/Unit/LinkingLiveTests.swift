import Foundation
import Target
import TestSupport
import Testing

/// The binding rules of the new code, each proven by what a program built as
/// distributions build it (PIE, -O2, stack protector, CET, FORTIFY) prints
/// after the patch: "applied but bound wrongly" shows in its output.
@Suite struct LinkingLiveTests {
    let dir = Paths.tempDir("linking")
    var build: String { Paths.corpusBuild }

    func payload(_ program: String, _ variant: String, _ extra: [String] = []) throws -> String {
        try Corpus.ensureBuilt()
        let out = "\(dir)/\(program)-\(variant).xsp"
        let r = try Shell.xsplice(["build", "--binary", "\(build)/\(program)/\(program)",
                "--object", "\(build)/\(program)/\(variant).o", "--name", variant,
            ] + extra + ["-o", out])
        guard r.status == 0 else { throw TestFailure("build \(program) \(variant): \(r.stderr)") }
        return out
    }

    func start(_ program: String) throws -> LiveProcess {
        try Corpus.ensureBuilt()
        let p = try LiveProcess("\(build)/\(program)/\(program)", args: ["60"])
        try p.waitUntilRunning()
        return p
    }

    /// Builds a payload from a test-made program and fix, starts the program
    /// and applies it; returns the process and the apply result.
    func buildStartApply(_ bin: String, _ obj: String, function: String) throws -> (LiveProcess, Shell.Result) {
        let xsp = "\(dir)/\((bin as NSString).lastPathComponent).xsp"
        let b = try Shell.xsplice(["build", "--binary", bin, "--object", obj, "--function", function, "-o", xsp])
        guard b.status == 0 else { throw TestFailure("build \(bin): \(b.stderr)") }
        let p = try LiveProcess(bin, args: [])
        try p.waitUntilRunning()
        return (p, try Shell.xsplice(["apply", "--pid", String(p.pid), xsp]))
    }

    @Test func ifuncCallsReachTheImplementationTheTargetChose() throws {
        let xsp = try payload("ifuncs", "fixIfunc")
        let p = try start("ifuncs")
        defer { p.stop() }
        #expect(p.waitForTokens(["measure": "11"]) == ["measure": "11"])
        let dry = try Shell.xsplice(["apply", "--pid", String(p.pid), "--dry-run", xsp])
        #expect(dry.status == 0, "\(dry.stderr)")
        for f in ["strlen", "memchr", "strrchr", "strcmp", "memcpy"] {
            #expect(dry.stdout.contains("\(f) -> libc.so.6"), "\(f) not bound to libc: \(dry.stdout)")
        }
        #expect(dry.stdout.components(separatedBy: "IFUNC, resolved by the target").count - 1 == 5, "\(dry.stdout)")
        // The same, for fleet tooling: every IFUNC with its kind and a live address.
        let json = try Shell.xsplice(["apply", "--pid", String(p.pid), "--dry-run", "--json", xsp])
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let bound = (doc?["bindings"] as? [[String: Any]]) ?? []
        for f in ["strlen", "memchr", "strrchr", "strcmp", "memcpy"] {
            let b = bound.first { $0["reference"] as? String == f }
            #expect(b?["kind"] as? String == "ifunc" && b?["module"] as? String == "libc.so.6", "\(f): \(json.stdout)")
            #expect((b?["address"] as? String)?.hasPrefix("0x7") == true, "\(f): \(json.stdout)")
            // An implementation (named from libc's debug file when installed), not the IFUNC itself.
            let def = b?["definition"] as? String ?? ""
            #expect(def.hasPrefix("__") || def.hasPrefix("libc.so.6+0x"), "\(f): \(json.stdout)")
        }
        let r = try Shell.xsplice(["apply", "--pid", String(p.pid), xsp])
        #expect(r.status == 0, "\(r.stderr)")
        // 100000 + strlen*1000 + memchr('.')*100 + strrchr('l')*10 + (strcmp == 0), on "hello.world".
        #expect(p.waitForTokens(["measure": "111591"]) == ["measure": "111591"], "\(p.output.suffix(200))")
        #expect(p.isAlive)
    }

    /// strstr is an IFUNC no GOT slot of the target has resolved: xsplice maps
    /// the very same libc and reads its own resolver's choice.
    @Test func ifuncWithoutAFilledSlotUsesTheSameFileInXsplice() throws {
        let xsp = try payload("ifuncs", "fixStrstr")
        let p = try start("ifuncs")
        defer { p.stop() }
        let dry = try Shell.xsplice(["apply", "--pid", String(p.pid), "--dry-run", xsp])
        #expect(dry.stdout.contains("strstr -> libc.so.6") && dry.stdout.contains("xsplice maps the same libc.so.6"),
                "\(dry.stdout) \(dry.stderr)")
        let r = try Shell.xsplice(["apply", "--pid", String(p.pid), xsp])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(p.waitForTokens(["measure": "2006"]) == ["measure": "2006"], "\(p.output.suffix(200))")
    }

    /// The executable's own IFUNC binds through its IRELATIVE slot; when the
    /// program never resolved it, the payload is refused and nothing changes.
    @Test func executableIfuncBindsThroughItsSlotOrIsRefused() throws {
        func program(_ name: String, uses: Bool) throws -> String {
            let src = "\(dir)/\(name).c", bin = "\(dir)/\(name)"
            try """
            #include <stdio.h>
            #include <unistd.h>
            static int twice_impl(int x) { return 2 * x; }
            static int (*pick(void))(int) { return twice_impl; }
            int twice(int) __attribute__((ifunc("pick")));
            __attribute__((noinline)) int calc(int x) { int s = 0; for (int i = 0; i < x; i++) s += i; return s + 1; }
            int main(void) {
                setvbuf(stdout, NULL, _IOLBF, 0);
                for (int i = 0; i < 3000; i++) {
                    printf("tick %d calc=%d used=%d\\n", i, calc(20), \(uses ? "twice(i) >= 0" : "1"));
                    usleep(20000);
                }
            }
            """.write(toFile: src, atomically: true, encoding: .utf8)
            let r = try Shell.run("/usr/bin/gcc", ["-O2", "-g", "-ffunction-sections", "-fstack-protector-strong",
                                                   "-fcf-protection", src, "-o", bin])
            guard r.status == 0 else { throw TestFailure(r.stderr) }
            return bin
        }
        let fix = "\(dir)/twicefix.c", obj = "\(dir)/twicefix.o"
        try "int twice(int);\nint calc(int x) { return twice(x) + 1000; }\n".write(
            toFile: fix, atomically: true, encoding: .utf8)
        let cc = try Shell.run(
            "/usr/bin/gcc", ["-O2", "-g", "-ffunction-sections", "-fcf-protection", "-c", fix, "-o", obj])
        #expect(cc.status == 0, "\(cc.stderr)")
        for uses in [true, false] {
            let bin = try program(uses ? "usestwice" : "nevertwice", uses: uses)
            let (p, r) = try buildStartApply(bin, obj, function: "calc")
            defer { p.stop() }
            if uses {
                #expect(r.status == 0, "\(r.stderr)")
                #expect(p.waitForTokens(["calc": "1040"]) == ["calc": "1040"], "\(p.output.suffix(200))")
            } else {
                #expect(r.status == 1 && r.stderr.contains("twice is an IFUNC"), "\(r.stdout) \(r.stderr)")
                #expect(p.waitForTokens(["calc": "191"]) == ["calc": "191"])
            }
        }
    }

    /// A non-PIE program that takes puts' address has a canonical PLT entry;
    /// the new code's `&puts` must be that address, as the old code's is.
    @Test func nonPIEFunctionPointerIdentityUsesTheCanonicalPLT() throws {
        let src = "\(dir)/canon.c", bin = "\(dir)/canon", fix = "\(dir)/canonfix.c", obj = "\(dir)/canonfix.o"
        try """
        #include <stdio.h>
        #include <unistd.h>
        int (*volatile keep)(const char *) = puts;
        __attribute__((noinline)) int same(int x) { return keep == puts ? x + 1 : x - 1; }
        int main(void) {
            setvbuf(stdout, NULL, _IOLBF, 0);
            for (int i = 0; i < 3000; i++) { printf("tick %d same=%d\\n", i, same(10)); usleep(20000); }
        }
        """.write(toFile: src, atomically: true, encoding: .utf8)
        try """
        #include <stdio.h>
        extern int (*volatile keep)(const char *);
        int same(int x) { return keep == puts ? x + 100 : x - 100; }
        """.write(toFile: fix, atomically: true, encoding: .utf8)
        let flags = ["-O2", "-g", "-ffunction-sections", "-fstack-protector-strong", "-fcf-protection"]
        #expect(try Shell.run("/usr/bin/gcc", flags + ["-fno-pie", "-no-pie", src, "-o", bin]).status == 0)
        #expect(try Shell.run("/usr/bin/gcc", flags + ["-fPIE", "-c", fix, "-o", obj]).status == 0)
        let (p, r) = try buildStartApply(bin, obj, function: "same")
        defer { p.stop() }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(p.waitForTokens(["same": "110"]) == ["same": "110"], "\(p.output.suffix(200))")
    }

    @Test func preloadedInterposerStaysFirst() throws {
        let xsp = try payload("interpose", "fixGreet")
        let p = try start("interpose")
        defer { p.stop() }
        #expect(p.waitForTokens(["greet": "old", "shout": "yes"]) == ["greet": "old", "shout": "yes"])
        let dry = try Shell.xsplice(["apply", "--pid", String(p.pid), "--dry-run", xsp])
        #expect(dry.stdout.contains("puts -> libshout.so"), "\(dry.stdout)")
        let r = try Shell.xsplice(["apply", "--pid", String(p.pid), xsp])
        #expect(r.status == 0, "\(r.stderr)")
        // The new code's puts is the preloaded one, as the old code's is.
        let got = p.waitForTokens(["greet": "new", "shout": "yes"])
        #expect(got == ["greet": "new", "shout": "yes"], "\(p.output.suffix(200))")
    }

    /// Jump table, cold part, file statics through .bss+offset, a new const
    /// table of pointers and the identity of an unchanged static function.
    @Test func jumpTableColdPartStaticsAndIdentity() throws {
        let xsp = try payload("linkage", "fixStep", ["--function", "step"])
        let inspect = try Shell.xsplice(["inspect", xsp])
        // Only step and genuinely new code travel: exec_handler binds to the program's.
        #expect(inspect.stdout.contains("main.c:exec_handler@"), "\(inspect.stdout)")
        #expect(!inspect.stdout.contains(".text.exec_handler ("), "\(inspect.stdout)")
        let p = try start("linkage")
        defer { p.stop() }
        let dry = try Shell.xsplice(["apply", "--pid", String(p.pid), "--dry-run", xsp])
        #expect(dry.stdout.contains("main.c:exec_handler -> (main) 0x"), "\(dry.stdout)")
        let r = try Shell.xsplice(["apply", "--pid", String(p.pid), xsp])
        #expect(r.status == 0, "\(r.stderr)")
        let applied = p.lastTick()?.0 ?? 0
        let names = ["ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX"]
        let seen = p.ticks(after: applied + 1, count: 12, timeout: 10)
        #expect(seen.count == 12, "\(p.output.suffix(300))")
        var sawRare = false
        for (n, t) in seen {
            let base = [0: n * 1000 + 70, 1: n * 1000 + 71, 2: (n ^ 1) * 1000 + 72, 3: n * 1000 + 73,
                        4: n * 1000 + 74, 5: n * 1000 + 75, 6: n * 1000 + 76][n % 7] ?? 0
            let rare = n % 5 == 4
            #expect(t["step"] == String(base + (rare ? 1_000_000 : 0)), "tick \(n): \(t)")
            #expect(t["name"] == names[n % 7], "tick \(n): \(t)")
            // The live static, not a copy: it counts every call since start.
            #expect(t["hits"] == String(n + 1), "tick \(n): \(t)")
            if rare {
                sawRare = true
                #expect(p.output.contains("RARE \(n)\n"), "the new cold part did not run for \(n)")
            }
        }
        #expect(sawRare)
    }

    @Test func sameNamedStaticBindsToItsOwnFile() throws {
        let xsp = try payload("linkage", "fixCountA", ["--function", "count_a"])
        let inspect = try Shell.xsplice(["inspect", xsp])
        #expect(inspect.stdout.contains("a.c:count@"), "\(inspect.stdout)")
        let p = try start("linkage")
        defer { p.stop() }
        let r = try Shell.xsplice(["apply", "--pid", String(p.pid), xsp])
        #expect(r.status == 0, "\(r.stderr)")
        let applied = p.lastTick()?.0 ?? 0
        let seen = p.ticks(after: applied + 1, count: 6, timeout: 10)
        #expect(seen.count == 6)
        for ((n, t), (_, u)) in zip(seen, seen.dropFirst()) {
            let a = Int(t["a"] ?? "") ?? -1, a2 = Int(u["a"] ?? "") ?? -1
            // a.c's live count goes on by 10 from where it was (a copy would start at 10);
            // b.c's count, of the same name, is untouched.
            #expect(a2 == a + 10 && a > n + 1, "tick \(n): \(t) then \(u)")
            #expect(t["b"] == String(n + 1), "tick \(n): \(t)")
        }
    }

    /// `mov stderr(%rip)` compiled without -fPIC, in a program that has no
    /// copy of stderr: refused before anything is written; with -fPIC it works.
    @Test func nonPICReferenceToLibraryDataIsRefused() throws {
        try Corpus.ensureBuilt()
        let src = "\(dir)/warn.c"
        try """
        #include <stdio.h>
        #include <string.h>
        extern char sample[];
        long measure(const char *s) { fputs("warned\\n", stderr); return (long)strlen(s) + 7; }
        """.write(toFile: src, atomically: true, encoding: .utf8)
        func compile(_ name: String, _ flags: [String]) throws -> String {
            let o = "\(dir)/\(name).o"
            let r = try Shell.run("/usr/bin/gcc", ["-O2", "-g", "-ffunction-sections", "-c", src, "-o", o] + flags)
            guard r.status == 0 else { throw TestFailure(r.stderr) }
            return o
        }
        let bin = "\(build)/ifuncs/ifuncs"
        let pie = "\(dir)/pie.xsp", pic = "\(dir)/pic.xsp"
        for (o, out) in [(try compile("pie", ["-fPIE"]), pie), (try compile("pic", ["-fPIC"]), pic)] {
            let b = try Shell.xsplice(["build", "--binary", bin, "--object", o, "--function", "measure", "-o", out])
            #expect(b.status == 0, "\(b.stderr)")
        }
        let p = try start("ifuncs")
        defer { p.stop() }
        let t = try ProcessTarget(pid: p.pid)
        let m = try t.module(named: "")
        let entry = m.liveAddress(try #require(m.symbol(named: "measure", file: "")).value)
        let code = try t.read(entry, count: 16)
        let maps = try t.maps().count
        let r = try Shell.xsplice(["apply", "--pid", String(p.pid), pie])
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        #expect(
            r.stderr.contains("stderr") && r.stderr.contains("-fPIC") && r.stderr.contains(".text.measure"),
            "\(r.stderr)")
        #expect(try t.read(entry, count: 16) == code)
        #expect(try t.maps().count == maps)
        #expect(p.waitForTokens(["measure": "11"]) == ["measure": "11"])
        let ok = try Shell.xsplice(["apply", "--pid", String(p.pid), pic])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(p.waitForTokens(["measure": "18"]) == ["measure": "18"])
        #expect(p.output.contains("warned\n"))
    }
}
