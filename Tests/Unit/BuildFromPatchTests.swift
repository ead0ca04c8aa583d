import Foundation
import TestSupport
import Testing

/// `xsplice build --patch fix.diff --compile-commands DB` on a copy of
/// corpus/fixdiff's sources with a compile_commands.json recording the flags
/// the running program was built with (corpus/mk/builddiff.mk): the changed
/// unit is found from the diff, compiled before and after, and the payload
/// changes what the running program prints.
@Suite(.serialized) struct BuildFromPatchTests {
    static let dir = Paths.corpusBuild + "/fixdiff"
    static let flags = ["-O2", "-g", "-fstack-protector-strong", "-fcf-protection", "-D_FORTIFY_SOURCE=2", "-fPIE",
                        "-Icommon", "-Ifixdiff"]

    /// A source tree, its compile_commands.json (one entry as `command`,
    /// the others as `arguments`), and a -p1 diff made by `diff -u`.
    func tree(_ edit: @escaping (String) -> String, file: String = "fixdiff/str.c",
              database: String? = nil) throws -> (root: String, db: String, diff: String) {
        try tree([file: edit], database: database)
    }

    /// As above, each file edited; a file the tree lacks is created empty first.
    func tree(_ edits: [String: (String) -> String], database: String? = nil, extra: [String] = []) throws
        -> (root: String, db: String, diff: String) {
        try Corpus.ensureBuilt()
        let tmp = Paths.tempDir("fixpatch")
        let root = tmp + "/src"
        for sub in ["fixdiff", "common"] {
            let r = try Shell.run("/bin/mkdir", ["-p", "\(root)/\(sub)", "\(tmp)/a/fixdiff", "\(tmp)/b/fixdiff"])
            try #require(r.status == 0)
            let c = try Shell.run("/bin/cp", ["-a", "\(Paths.corpus)/\(sub)/.", "\(root)/\(sub)"])
            try #require(c.status == 0, "\(c.stderr)")
        }
        var entries: [[String: Any]] = []
        for unit in ["main", "inl", "clone", "split", "sig", "grow", "str", "a", "b"] {
            let args = ["gcc"] + Self.flags + ["-c", "fixdiff/\(unit).c", "-o", "build/\(unit).o"]
            var e: [String: Any] = ["directory": root, "file": "fixdiff/\(unit).c"]
            if unit == "str" { e["command"] = args.joined(separator: " ") } else { e["arguments"] = args }
            entries.append(e)
        }
        let db = tmp + "/compile_commands.json"
        let text = try database ?? String(decoding: JSONSerialization.data(withJSONObject: entries), as: UTF8.self)
        try text.write(toFile: db, atomically: true, encoding: .utf8)
        for (file, edit) in edits {
            if !FileManager.default.fileExists(atPath: "\(root)/\(file)") {
                try "".write(toFile: "\(root)/\(file)", atomically: true, encoding: .utf8)
            }
            let original = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
            try original.write(toFile: "\(tmp)/a/\(file)", atomically: true, encoding: .utf8)
            try edit(original).write(toFile: "\(tmp)/b/\(file)", atomically: true, encoding: .utf8)
        }
        let d = try Shell.run("/usr/bin/diff", ["-ru", "a", "b"], cwd: tmp)
        try #require(d.status == 1, "diff: \(d.stderr)")
        try d.stdout.write(toFile: tmp + "/fix.diff", atomically: true, encoding: .utf8)
        return (root, db, tmp + "/fix.diff")
    }

    func build(_ t: (root: String, db: String, diff: String), out: String) throws -> Shell.Result {
        try Shell.xsplice(["build", "--binary", "\(Self.dir)/fixdiff", "--patch", t.diff, "--compile-commands", t.db,
                           "--source-root", t.root, "-o", out])
    }

    static func fixStrings(_ s: String) -> String {
        s.replacingOccurrences(of: "\"old-odd\" : \"old-even\"", with: "\"new-odd\" : \"new-even\"")
    }

    @Test func patchIsCompiledAndTakesEffectInTheRunningProcess() throws {
        let t = try tree(Self.fixStrings)
        let out = t.root + "/../fix.xsp"
        let b = try build(t, out: out)
        try #require(b.status == 0, "build: \(b.stdout) \(b.stderr)")
        #expect(b.stdout.contains("compiled \(t.root)/fixdiff/str.c before and after the fix"), "\(b.stdout)")
        #expect(b.stdout.split(separator: "\n").contains { $0.hasPrefix("replace str_word ") }, "\(b.stdout)")

        let p = try LiveProcess("\(Self.dir)/fixdiff", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        #expect(p.output.contains("str=old-"))
        let a = try Shell.xsplice(["apply", "--pid", String(p.pid), "--timeout", "10", out])
        try #require(a.status == 0, "apply: \(a.stderr)")
        let from = p.lastTick()?.0 ?? 0
        let deadline = Date().addingTimeInterval(10)
        var seen: Set<String> = []
        while Date() < deadline, seen.count < 2 {
            for line in p.output.split(separator: "\n") where line.hasPrefix("tick ") {
                let f = line.split(separator: " ")
                guard f.count > 2, let n = Int(f[1]), n > from + 1,
                      let s = f.first(where: { $0.hasPrefix("str=") }) else { continue }
                seen.insert(String(s))
            }
            usleep(20_000)
        }
        #expect(seen == ["str=new-odd", "str=new-even"])
        #expect(p.isAlive)
    }

    /// A header has no compile command: every unit that includes it is
    /// compiled (all nine here), and only the code that changed is replaced.
    @Test func headerRebuildsEveryUnitIncludingIt() throws {
        let t = try tree(["fixdiff/fixdiff.h": { $0 + "\n/* a comment */\n" }, "fixdiff/str.c": Self.fixStrings])
        let out = t.root + "/../h.xsp"
        let r = try build(t, out: out)
        try #require(r.status == 0, "\(r.stdout)\(r.stderr)")
        let compiled = r.stdout.split(separator: "\n").filter { $0.hasPrefix("compiled ") }
        #expect(compiled.count == 9, "\(r.stdout)")
        let replaced = r.stdout.split(separator: "\n").filter { $0.hasPrefix("replace ") }
        #expect(replaced.count == 1 && replaced.first?.hasPrefix("replace str_word ") == true, "\(r.stdout)")
    }

    @Test func fileNoUnitUsesIsRefusedByName() throws {
        let t = try tree({ $0 + "/* not included anywhere */\n" }, file: "fixdiff/unused.h")
        let r = try build(t, out: t.root + "/../u.xsp")
        #expect(r.status == 2)
        #expect(r.stderr.contains("the patch changes \(t.root)/fixdiff/unused.h, which no entry"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: t.root + "/../u.xsp"))
    }

    @Test func patchThatDoesNotApplyIsRefused() throws {
        let t = try tree(Self.fixStrings)
        // The tree already holds the fix: the diff is for another revision.
        let fixed = try String(contentsOfFile: t.root + "/fixdiff/str.c", encoding: .utf8)
        try Self.fixStrings(fixed.replacingOccurrences(of: "old-", with: "was-"))
            .write(toFile: t.root + "/fixdiff/str.c", atomically: true, encoding: .utf8)
        let r = try build(t, out: t.root + "/../p.xsp")
        #expect(r.status == 1)
        #expect(r.stderr.contains("the patch does not apply"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: t.root + "/../p.xsp"))
    }

    @Test func compileFailureShowsTheCommandAndItsErrors() throws {
        let t = try tree { $0.replacingOccurrences(of: "return (x & 1)", with: "return (x & 1) +") }
        let r = try build(t, out: t.root + "/../c.xsp")
        #expect(r.status == 1)
        #expect(r.stderr.contains("compiling failed: (cd "), "\(r.stderr)")
        #expect(r.stderr.contains("-ffunction-sections -fdata-sections -fno-lto"), "\(r.stderr)")
        #expect(r.stderr.contains("error:"), "\(r.stderr)")
    }

    @Test func commandNeedingAShellIsRefused() throws {
        let db = #"[{"directory": "/tmp", "file": "x.c", "command": "gcc -c x.c $(pkg-config --cflags foo)"}]"#
        let t = try tree(Self.fixStrings, database: db)
        let r = try build(t, out: t.root + "/../s.xsp")
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot be run without a shell"), "\(r.stderr)")
    }
}
