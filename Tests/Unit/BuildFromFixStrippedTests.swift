import TestSupport
import Foundation
import Testing

/// `build --before/--after` against the stripped binary a distribution ships,
/// with its `objcopy --only-keep-debug` file, and several pairs in one payload.
@Suite(.serialized) struct BuildFromFixStrippedTests {
    static let dir = Paths.corpusBuild + "/fixdiff"

    /// key=value pairs of the last complete tick line whose x (tick % 4) is `x`.
    static func tokens(_ text: String, x: Int, after from: Int = -1) -> [String: String]? {
        for line in text.split(separator: "\n").reversed() where line.hasPrefix("tick ") {
            let f = line.split(separator: " ")
            guard f.count > 2, let n = Int(f[1]), n > from, n % 4 == x else { continue }
            var d: [String: String] = [:]
            for kv in f.dropFirst(2) {
                let p = kv.split(separator: "=", maxSplits: 1)
                if p.count == 2 { d[String(p[0])] = String(p[1]) }
            }
            return d
        }
        return nil
    }

    func build(_ args: [String]) throws -> (Shell.Result, String) {
        try Corpus.ensureBuilt()
        let out = Paths.tempDir("strip") + "/fix.xsp"
        return (try Shell.xsplice(["build", "--binary", "\(Self.dir)/fixdiff.stripped"] + args + ["-o", out]), out)
    }

    func pair(_ fix: String, _ unit: String) -> [String] {
        ["--before", "\(Self.dir)/orig/\(unit).o", "--after", "\(Self.dir)/fixed/\(fix)/\(unit).o"]
    }

    @Test func strippedWithoutDebugFileIsRefused() throws {
        let (r, out) = try build(pair("inline", "inl"))
        #expect(r.status == 2)
        #expect(r.stderr.contains("stripped") && r.stderr.contains("--symbols"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func debugFileOfAnotherBuildIsRefused() throws {
        try Corpus.ensureBuilt()
        let other = Paths.tempDir("strip") + "/other.debug"
        let r0 = try Shell.run("/usr/bin/objcopy", ["--only-keep-debug", "\(Self.dir)/expect/str", other])
        try #require(r0.status == 0, "\(r0.stderr)")
        let (r, out) = try build(["--symbols", other] + pair("inline", "inl"))
        #expect(r.status == 2)
        #expect(r.stderr.contains("build-id does not match"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// Three units in one payload, one of them reaching a static variable
    /// through its section; the process runs the stripped file.
    @Test func threePairsApplyToTheStrippedProcess() throws {
        let (b, out) = try build(["--symbols", "\(Self.dir)/fixdiff.debug"] + pair("inline", "inl")
            + pair("str", "str") + pair("split", "split"))
        try #require(b.status == 0, "\(b.stderr)")
        for f in ["inl_one", "inl_two", "str_word", "split.c:classify.part.0"] {
            #expect(b.stdout.contains("replace \(f) "), "\(f) not in \(b.stdout)")
        }
        let p = try LiveProcess("\(Self.dir)/fixdiff.stripped", args: ["60"])
        defer { p.stop() }
        try p.waitUntilRunning()
        let a = try Shell.xsplice(["apply", "--pid", String(p.pid), "--timeout", "10", out])
        try #require(a.status == 0, "\(a.stderr)")
        let from = p.lastTick()?.0 ?? 0
        var seen: [Int: [String: String]] = [:]
        let deadline = Date().addingTimeInterval(10)
        while seen.count < 4, Date() < deadline {
            for x in 0..<4 { if let t = Self.tokens(p.output, x: x, after: from + 1) { seen[x] = t } }
            usleep(20_000)
        }
        try #require(seen.count == 4, "output: \(p.output.suffix(400))")
        for (x, t) in seen {
            #expect(t["inl_one"] == String(1000 + 3 * x + 1) && t["inl_two"] == String(2000 + 3 * (x + 1) + 1), "\(t)")
            #expect(t["str"] == (x & 1 == 1 ? "new-odd" : "new-even"))
            #expect(t["split"] == String(4000 + (x & 1) + 4200 + 4200))
        }
        #expect(p.isAlive)
    }
}
