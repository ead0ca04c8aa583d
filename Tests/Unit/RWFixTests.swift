import TestSupport
import Foundation
import Testing

/// Defects the real-world suite found in `xsplice build --before/--after`,
/// reproduced on corpus/rwfix (distribution flags). Each live test runs the
/// program, applies the payload and checks that it then prints what the
/// program rebuilt with the fix prints.
@Suite(.serialized) struct RWFixTests {
    static let dir = Paths.corpusBuild + "/rwfix"

    func build(_ unit: String, fix: String) throws -> (Shell.Result, String) {
        try Corpus.ensureBuilt()
        let out = Paths.tempDir("rwfix") + "/fix.xsp"
        let r = try Shell.xsplice(["build", "--binary", "\(Self.dir)/rwfix", "--before", "\(Self.dir)/orig/\(unit).o",
                                   "--after", "\(Self.dir)/fixed/\(fix)/\(unit).o", "-o", out])
        return (r, out)
    }

    /// Builds, applies to a running rwfix, and compares its output per x
    /// with the rebuilt program's.
    func fixTakesEffect(_ unit: String, fix: String) throws {
        let (b, out) = try build(unit, fix: fix)
        try #require(b.status == 0, "build: \(b.stderr)")
        let reference = try Shell.run("\(Self.dir)/expect/\(fix)", ["2"])
        let want = BuildFromFixTests.lines(reference.stdout)
        try #require(want.count == 4, "expect/\(fix) printed \(reference.stdout)")
        let p = try LiveProcess("\(Self.dir)/rwfix", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        let watch = BuildFromFixTests()
        #expect(watch.ticks(p, after: p.lastTick()?.0 ?? 0) != want, "the fix must be visible in the output")
        let a = try Shell.xsplice(["apply", "--pid", String(p.pid), "--timeout", "10", out])
        try #require(a.status == 0, "apply: \(a.stderr)")
        #expect(watch.ticks(p, after: p.lastTick()?.0 ?? 0) == want)
        #expect(p.isAlive)
    }

    /// The old lookup() returns &sentinel (a `static const`); the fixed
    /// caller compares with &sentinel: a copy in the payload would print
    /// 995 for x = 3 where the fixed program prints -1.
    @Test func existingReadOnlyObjectKeepsItsAddress() throws {
        try fixTakesEffect("ident", fix: "ident")
    }

    @Test func changedReadOnlyInitialiserIsRefused() throws {
        let (r, out) = try build("ident", fix: "identinit")
        #expect(r.status == 1)
        #expect(r.stderr.contains("read-only object sentinel") && r.stderr.contains("initial value"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// layout.c, same source and flags, but the object was compiled with
    /// -ffunction-sections and the program without: the tail call is a
    /// short jump in the program only. The proof must say so and what to
    /// do, not that the source differs.
    @Test func functionSectionsLayoutIsNamedAsTheLikelyCause() throws {
        let (r, out) = try build("layout", fix: "layout")
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.contains("function layout_value") && r.stderr.contains("24 bytes in the object and 21"),
                "\(r.stderr)")
        #expect(r.stderr.contains("except -ffunction-sections") && r.stderr.contains("Rebuild the running program")
                && r.stderr.contains("--object"), "\(r.stderr)")
        #expect(!r.stderr.contains("the source differs"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// alias_name is `__attribute__((alias("alias_impl")))`: one function
    /// in one section with two names. It is patched once, and main's calls
    /// through either name print the fixed value.
    @Test func aliasedFunctionIsPatchedOnceForBothNames() throws {
        let (b, _) = try build("alias", fix: "alias")
        try #require(b.status == 0, "build: \(b.stderr)")
        let replaced = b.stdout.split(separator: "\n").filter { $0.hasPrefix("replace ") }
        #expect(replaced.count == 1 && replaced.first?.contains("alias_impl") == true, "\(b.stdout)")
        try fixTakesEffect("alias", fix: "alias")
    }

    /// In a shared library an exported function calls another through its
    /// PLT entry (tinyxml's Parse calling SkipWhiteSpace): the proof accepts
    /// that entry when it is bound to the same name.
    @Test func libraryCallThroughOwnPLTIsProved() throws {
        try Corpus.ensureBuilt()
        let out = Paths.tempDir("rwfix") + "/selfcall.xsp"
        let r = try Shell.xsplice(["build", "--binary", "\(Self.dir)/libselfcall.so",
                                   "--before", "\(Self.dir)/orig/selfcall.o",
                                   "--after", "\(Self.dir)/fixed/selfcall/selfcall.o", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("replace selfcall_top"), "\(r.stdout)")
    }
}
