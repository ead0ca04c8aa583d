import ELF
import TestSupport
import Foundation
import Testing

/// `xsplice build --before ORIG.o --after FIXED.o` on corpus/fixdiff, built
/// the way distributions build programs: the payload is built without naming
/// a function, applied to the running program, and the program must then
/// print exactly what the program rebuilt with the fix prints, on every path
/// (x = tick % 4 walks them).
@Suite(.serialized) struct BuildFromFixTests {
    static let dir = Paths.corpusBuild + "/fixdiff"

    /// case, the unit it changes, and the functions the report must name.
    static let cases: [(String, String, [String])] = [
        ("inline", "inl", ["inl_one", "inl_two"]),
        ("clone", "clone", ["clone.c:weigh.constprop.0"]),
        ("split", "split", ["split.c:classify.part.0"]),
        ("sig", "sig", ["sig.c:pick.constprop.0", "sig_first", "sig_second", "sig_third"]),
        ("grow", "grow", ["grow_value"]),
        ("str", "str", ["str_word"]),
        ("static", "b", ["b.c:helper", "stat_b"]),
    ]

    func build(_ before: String, _ after: String, extra: [String] = []) throws -> (Shell.Result, String) {
        try Corpus.ensureBuilt()
        let out = Paths.tempDir("fix") + "/fix.xsp"
        let r = try Shell.xsplice(["build", "--binary", "\(Self.dir)/fixdiff", "--before", before, "--after", after]
            + extra + ["-o", out])
        return (r, out)
    }

    /// What the program prints for each x (tick % 4), without the tick number.
    static func lines(_ text: String) -> [Int: String] {
        var out: [Int: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("tick ") {
            let f = line.split(separator: " ", maxSplits: 2)
            guard f.count == 3, let n = Int(f[1]) else { continue }
            out[n % 4] = String(f[2])
        }
        return out
    }

    func expected(_ name: String) throws -> [Int: String] {
        // Long enough for all four paths on a loaded machine (a tick is
        // short, but 0.2 s once gave a single tick under load).
        let r = try Shell.run("\(Self.dir)/expect/\(name)", ["2"])
        let l = Self.lines(r.stdout)
        guard l.count == 4 else { throw TestFailure("expect/\(name) printed \(r.stdout)") }
        return l
    }

    /// Ticks printed after `from`, by x, once all four paths were seen.
    func ticks(_ p: LiveProcess, after from: Int, timeout: Double = 10) -> [Int: String] {
        let deadline = Date().addingTimeInterval(timeout)
        var seen: [Int: String] = [:]
        while Date() < deadline {
            seen = [:]
            for line in p.output.split(separator: "\n") where line.hasPrefix("tick ") {
                let f = line.split(separator: " ", maxSplits: 2)
                if f.count == 3, let n = Int(f[1]), n > from + 1 { seen[n % 4] = String(f[2]) }
            }
            if seen.count == 4 { return seen }
            usleep(20_000)
        }
        return seen
    }

    @Test(arguments: cases.map(\.0))
    func fixTakesEffectOnEveryPath(_ name: String) throws {
        let (_, unit, functions) = try #require(Self.cases.first { $0.0 == name })
        let (b, out) = try build("\(Self.dir)/orig/\(unit).o", "\(Self.dir)/fixed/\(name)/\(unit).o")
        try #require(b.status == 0, "build: \(b.stderr)")
        let replaced = b.stdout.split(separator: "\n").filter { $0.hasPrefix("replace ") }
            .compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
        #expect(Set(replaced) == Set(functions), "report: \(b.stdout)")

        let want = try expected(name)
        let p = try LiveProcess("\(Self.dir)/fixdiff", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        let before = ticks(p, after: p.lastTick()?.0 ?? 0)
        #expect(before != want, "the fix must be visible in the output")
        let a = try Shell.xsplice(["apply", "--pid", String(p.pid), "--timeout", "10", out])
        try #require(a.status == 0, "apply: \(a.stderr)")
        let after = ticks(p, after: p.lastTick()?.0 ?? 0)
        #expect(after == want)
        #expect(p.isAlive)
    }

    @Test func reportNamesNewFunctionAndJSONHasSizes() throws {
        let (r, _) = try build("\(Self.dir)/orig/grow.o", "\(Self.dir)/fixed/grow/grow.o", extra: ["--json"])
        try #require(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let report = try #require(json["report"] as? [String: Any])
        let changed = try #require(report["changed"] as? [[String: Any]])
        #expect(changed.map { $0["name"] as? String } == ["grow_value"])
        #expect(changed.first?["oldSize"] as? Int == 11)
        let new = try #require(report["newFunctions"] as? [[String: Any]])
        #expect(new.map { $0["name"] as? String } == ["grow_bonus"])
    }

    /// scale() exists in neither object nor the binary; DWARF names it.
    @Test func inlinedFunctionIsNamedWithItsCallers() throws {
        let (r, _) = try build("\(Self.dir)/orig/inl.o", "\(Self.dir)/fixed/inline/inl.o")
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("scale was inlined into inl_one, inl_two and has no copy in the binary; "
            + "patching inl_one, inl_two"), "\(r.stdout)")
        for f in ["inl_one", "inl_two"] {
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("replace \(f) ") } ?? ""
            #expect(line.hasSuffix("; inlines scale"), "\(line)")
        }
    }

    @Test func explainPrintsEveryFunctionOfTheUnit() throws {
        let (r, _) = try build("\(Self.dir)/orig/sig.o", "\(Self.dir)/fixed/sig/sig.o", extra: ["--explain"])
        try #require(r.status == 0, "\(r.stderr)")
        for row in ["changed   pick.constprop.0", "changed   sig_first", "first difference"] {
            #expect(r.stdout.contains(row), "\(row) not in \(r.stdout)")
        }
    }

    @Test func unchangedCloneCallersAreProvedAndKept() throws {
        let (r, _) = try build("\(Self.dir)/orig/clone.o", "\(Self.dir)/fixed/clone/clone.o", extra: ["--explain"])
        try #require(r.status == 0, "\(r.stderr)")
        for caller in ["clone_left", "clone_right", "clone_mid"] {
            #expect(r.stdout.contains("proved unchanged caller \(caller): calls weigh.constprop.0"), "\(r.stdout)")
        }
    }

    @Test func originalFromOtherFlagsIsRefused() throws {
        let (r, out) = try build("\(Self.dir)/o1/clone.o", "\(Self.dir)/fixed/clone/clone.o")
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("is not the build running"), "\(r.stderr)")
        #expect(r.stderr.contains("different compiler flags") && r.stderr.contains("-O1"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// The same flags, another revision: the fixed b.c posing as the original.
    /// Its helper has the running helper's size; only the bytes tell.
    @Test func originalFromAnotherRevisionIsRefused() throws {
        let (r, out) = try build("\(Self.dir)/fixed/static/b.o", "\(Self.dir)/orig/b.o")
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stderr.contains("function helper") && r.stderr.contains("differs at +0x"), "\(r.stderr)")
        #expect(r.stderr.contains("the source differs"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Outside input: a symbol size no section can hold is an error, not a trap.
    @Test(arguments: [UInt64(0xffff_ffff_ffff_fff0), 0x7fff_ffff_ffff_ffff, 13, 0])
    func absurdFunctionSizeIsRejected(_ size: UInt64) throws {
        try Corpus.ensureBuilt()
        let path = "\(Self.dir)/orig/inl.o"
        let elf = try ELFFile(path: path)
        var bytes = elf.bytes
        let copy = Paths.tempDir("absurd") + "/inl.o"
        let symtab = try #require(elf.sections.first { $0.type == Section.symtab })
        let index = try #require(elf.symbols.first { $0.name == "inl_one" }?.index)
        let sym = Int(symtab.offset) + index * 24
        for k in 0..<8 { bytes[sym + 16 + k] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(k))) }
        try Data(bytes).write(to: URL(fileURLWithPath: copy))
        let (r, out) = try build(copy, "\(Self.dir)/fixed/inline/inl.o")
        #expect(r.status == 1 || r.status == 2, "\(r.status) \(r.stderr)")
        #expect(!r.killedBySignal)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A program built with -flto: a clone the object has is gone, a static
    /// was renamed and resized; the proof fails and says why.
    @Test(arguments: [("clone", "clone"), ("static", "b")])
    func ltoBinaryIsRecognised(_ fix: String, _ unit: String) throws {
        try Corpus.ensureBuilt()
        let out = Paths.tempDir("lto") + "/fix.xsp"
        let r = try Shell.xsplice(["build", "--binary", "\(Self.dir)/fixdiff.lto",
                                   "--before", "\(Self.dir)/orig/\(unit).o",
                                   "--after", "\(Self.dir)/fixed/\(fix)/\(unit).o", "-o", out])
        #expect(r.status == 1)
        #expect(r.stderr.contains("is not the build running") && r.stderr.contains("link-time optimisation"),
                "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func ltoObjectIsRecognised() throws {
        let (r, out) = try build("\(Self.dir)/lto/clone.o", "\(Self.dir)/fixed/clone/clone.o")
        #expect(r.status == 2)
        #expect(r.stderr.contains("LTO bytecode") && r.stderr.contains("-fno-lto"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func changedInitialValueOfExistingVariableIsRefused() throws {
        let (r, out) = try build("\(Self.dir)/orig/grow.o", "\(Self.dir)/fixed/initval/grow.o")
        #expect(r.status == 1)
        #expect(r.stderr.contains("variable grow_base") && r.stderr.contains("initial value"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func sameObjectTwiceChangesNothing() throws {
        let (r, out) = try build("\(Self.dir)/orig/sig.o", "\(Self.dir)/orig/sig.o")
        #expect(r.status == 1)
        #expect(r.stderr.contains("no function of the binary changes"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// a.c's original paired with b.c's fix would put b.c's helper over
    /// a.c's (both are proved and named helper): refused by source file.
    @Test func pairFromTwoSourceFilesIsRefused() throws {
        let (r, out) = try build("\(Self.dir)/orig/a.o", "\(Self.dir)/fixed/static/b.o")
        #expect(r.status == 2, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("from a.c") && r.stderr.contains("from b.c"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
