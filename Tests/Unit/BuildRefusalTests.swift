import TestSupport
import Foundation
import Testing

/// `xsplice build` refuses what it cannot carry, with exit 2 and a reason.
@Suite struct BuildRefusalTests {
    let dir = Paths.tempDir("refuse")

    func gcc(_ name: String, _ source: String, _ flags: [String]) throws -> String {
        let src = "\(dir)/\(name).c"
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let out = "\(dir)/\(name)"
        let r = try Shell.run("/usr/bin/gcc", flags + ["-o", out, src])
        guard r.status == 0 else { throw TestFailure("gcc \(name): \(r.stderr)") }
        return out
    }

    let program = """
    #include <stdio.h>
    __attribute__((noinline)) int target_fn(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * 3; return s; }
    __attribute__((naked)) void tiny(void) { __asm__("ret"); }
    int main(int c, char **v) { (void)v; tiny(); printf("%d\\n", target_fn(c)); return 0; }
    """

    func refuse(_ args: [String], _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Shell.xsplice(["build"] + args + ["-o", "\(dir)/out.xsp"])
        #expect(r.status == 2, "\(r.stderr)", sourceLocation: sourceLocation)
        for w in words { #expect(r.stderr.contains(w), "\(w) not in: \(r.stderr)", sourceLocation: sourceLocation) }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/out.xsp"), sourceLocation: sourceLocation)
    }

    @Test func missingFunctions() throws {
        let bin = try gcc("prog", program, ["-O2", "-g"])
        let obj = try gcc("patch.o", "int target_fn(int x) { return x * 2; }\n", ["-O2", "-c", "-ffunction-sections"])
        try refuse(["--binary", bin, "--object", obj, "--function", "no_such_fn"], ["no_such_fn", "not defined in"])
        let other = try gcc("other.o", "int main(void) { return 1; }\n", ["-O2", "-c", "-ffunction-sections"])
        try refuse(
            ["--binary", bin, "--object", other, "--function", "target_fn"], ["target_fn", "not defined in \(other)"])
    }

    @Test func tooShortFunction() throws {
        let bin = try gcc("prog2", program, ["-O2", "-g"])
        let obj = try gcc("tiny.o", "void tiny(void) {}\n", ["-O2", "-c", "-ffunction-sections"])
        try refuse(["--binary", bin, "--object", obj, "--function", "tiny"], ["tiny", "bytes"])
    }

    @Test func ambiguousStaticNeedsFileOrAddress() throws {
        try Corpus.ensureBuilt()
        let m = try Manifest("clash")
        let obj = "\(m.dir)/fixHelperA.o"
        try refuse(
            ["--binary", m.binaryPath, "--object", obj, "--function", "helper"],
            ["several functions", "a.c:helper", "b.c:helper"])
        let ok = try Shell.xsplice([
            "build", "--binary", m.binaryPath, "--object", obj, "--function", "a.c:helper", "-o", "\(dir)/ok.xsp",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func unsupportedRelocationType() throws {
        let bin = try gcc("prog3", program, ["-O2", "-g"])
        // The large code model reaches data through 64-bit GOT offsets.
        let obj = try gcc("large.o", "extern int counter; int target_fn(int x) { return x + counter; }\n",
                          ["-O2", "-c", "-fPIC", "-mcmodel=large", "-ffunction-sections"])
        try refuse(
            ["--binary", bin, "--object", obj, "--function", "target_fn"], ["relocation type", "cannot be carried"])
    }

    /// A thread-local variable the running build does not have is a new
    /// variable, and TLS cannot be added to a running process.
    @Test func newThreadLocalVariable() throws {
        let bin = try gcc("prog3t", program, ["-O2", "-g"])
        let obj = try gcc(
            "tls.o", "__thread int counter; int target_fn(int x) { return x + counter; }\n",
            ["-O2", "-c", "-ffunction-sections"])
        try refuse(["--binary", bin, "--object", obj, "--function", "target_fn"], ["counter", ".tbss", "target_fn"])
    }

    @Test func notFunctionSections() throws {
        let bin = try gcc("prog4", program, ["-O2", "-g"])
        let obj = try gcc("plain.o", "int target_fn(int x) { return x * 2; }\n", ["-O2", "-c"])
        try refuse(["--binary", bin, "--object", obj, "--function", "target_fn"], ["-ffunction-sections"])
    }

    /// A new static travels as the payload's writable data (live in NewVariablesLiveTests).
    @Test func newWritableStaticTravelsAsData() throws {
        let bin = try gcc("prog5", program, ["-O2", "-g"])
        let obj = try gcc(
            "glob.o", "static int fresh[4]; int target_fn(int x) { fresh[x & 3]++; return fresh[0]; }\n",
            ["-O2", "-c", "-ffunction-sections"])
        let out = "\(dir)/fresh.xsp"
        let r = try Shell.xsplice(["build", "--binary", bin, "--object", obj, "--function", "target_fn", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let shown = try Shell.xsplice(["inspect", out])
        #expect(shown.stdout.contains(".bss (data, 16 bytes"), "\(shown.stdout)")
    }

    /// A variable the fix declares with another size than the running build's
    /// is refused, naming the variable and the function; the same size binds.
    @Test func changedVariableSizeIsRefusedByName() throws {
        let src = """
        static int table[4];
        __attribute__((noinline)) int target_fn(int x) { table[x & 3] += x; return table[0] + table[3]; }
        int main(int c, char **v) { (void)v; return target_fn(c); }
        """
        let bin = try gcc("prog6", src, ["-O2", "-g", "-ffunction-sections"])
        let grown = try gcc(
            "grown.o", "static int table[8];\nint target_fn(int x) { table[x & 7] += x; return table[0]; }\n",
            ["-O2", "-c", "-ffunction-sections"])
        try refuse(["--binary", bin, "--object", grown, "--function", "target_fn"], ["table", "target_fn", "16", "32"])
        let same = try gcc(
            "same.o", "static int table[4];\nint target_fn(int x) { table[x & 3] -= x; return table[1]; }\n",
            ["-O2", "-c", "-ffunction-sections"])
        let ok = try Shell.xsplice([
            "build", "--binary", bin, "--object", same, "--function", "target_fn", "-o", "\(dir)/same.xsp",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        let shown = try Shell.xsplice(["inspect", "\(dir)/same.xsp"])
        #expect(shown.stdout.contains("table@0x") && shown.stdout.contains("(in the module)"), "\(shown.stdout)")
    }

    /// The fix changes an existing variable's initial value: the running
    /// process keeps its own value, so the build refuses, naming the
    /// variable (in .data, and moved from .bss to .data); the same value binds.
    @Test func changedInitialValueOfExistingVariableIsRefused() throws {
        let src = """
        int limit = 10;
        int hits;
        __attribute__((noinline)) int target_fn(int x) { hits++; return x > limit ? limit : x + hits; }
        int main(int c, char **v) { (void)v; return target_fn(c); }
        """
        let bin = try gcc("prog7", src, ["-O2", "-g", "-fPIE", "-pie", "-ffunction-sections", "-fdata-sections"])
        let flags = ["-O2", "-c", "-fPIE", "-ffunction-sections", "-fdata-sections"]
        let raised = try gcc(
            "raised.o", "int limit = 20;\nint hits;\nint target_fn(int x) { hits++; return x > limit ? 0 : x; }\n",
            flags)
        try refuse(["--binary", bin, "--object", raised, "--function", "target_fn"],
                   ["limit", "target_fn", "initial value", "byte 0"])
        let counted = try gcc(
            "counted.o", "int limit = 10;\nint hits = 1;\nint target_fn(int x) { hits++; return x > limit ? 0 : x; }\n",
            flags)
        try refuse(["--binary", bin, "--object", counted, "--function", "target_fn"], ["hits", "initial value"])
        let same = try gcc(
            "kept.o", "int limit = 10;\nint hits;\nint target_fn(int x) { hits++; return x > limit ? 0 : x; }\n",
            flags)
        let ok = try Shell.xsplice([
            "build", "--binary", bin, "--object", same, "--function", "target_fn", "-o", "\(dir)/kept.xsp",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    /// A library without DT_SONAME is named by its file, as the live side names it.
    @Test func libraryWithoutSonameIsKnownByItsFileName() throws {
        let lib = try gcc(
            "libnoname.so",
            "__attribute__((noinline)) int lib_fn(int x) { int s = 0; for (int i = 0; i < x; i++) s += i ^ x; return " +
                "s; }\n",
            ["-O2", "-g", "-fPIC", "-shared", "-ffunction-sections"])
        let obj = try gcc(
            "libfix.o", "int lib_fn(int x) { return x * 7; }\n", ["-O2", "-c", "-fPIC", "-ffunction-sections"])
        let out = "\(dir)/noname.xsp"
        let r = try Shell.xsplice(["build", "--binary", lib, "--object", obj, "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let shown = try Shell.xsplice(["inspect", "--json", out])
        #expect(shown.stdout.contains("libnoname.so"), "\(shown.stdout)")
    }
}
