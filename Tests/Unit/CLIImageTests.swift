import TestSupport
import Foundation
import Testing

/// `build`, `inspect` and `verify --image` through the real CLI.
@Suite struct CLIImageTests {
    let m: Manifest
    init() throws {
        try Corpus.ensureBuilt()
        m = try Manifest("counter")
    }

    @Test func freshPayloadVerifiesVirginAgainstItsBinary() throws {
        let p = try Corpus.payload(m, "fixA")
        let r = try Shell.xsplice("verify", "--image", m.binaryPath, p)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("virgin") && r.stdout.contains("verdict: applicable"))
    }

    @Test func oneChangedByteMakesTheFunctionForeignWithDiffAndDisassembly() throws {
        let p = try Corpus.payload(m, "fixA")
        let json = try Shell.xsplice("inspect", "--json", p)
        let info = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let fn = (info?["functions"] as? [[String: Any]])?.first
        let addr = try #require((fn?["old_address"] as? String).flatMap { UInt64($0.dropFirst(2), radix: 16) })
        let size = try #require(fn?["old_size"] as? Int)
        // Change one byte in the middle of compute_a in a copy of the binary.
        let copy = Paths.tempDir("img") + "/counter"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: m.binaryPath)))
        let offset = try fileOffset(of: addr, in: m.binaryPath) + size / 2
        bytes[offset] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: copy))
        let r = try Shell.xsplice("verify", "--image", copy, p)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("foreign") && r.stdout.contains("verdict: conflict"))
        #expect(r.stdout.contains("first difference at +0x\(String(size / 2, radix: 16))"), "\(r.stdout)")
        #expect(r.stdout.contains("expected code:") && r.stdout.contains("found code:"))
        let j = try Shell.xsplice("verify", "--image", copy, "--json", p)
        let parsed = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        #expect(parsed?["verdict"] as? String == "conflict")
        // The untouched function of another payload is still virgin in the same copy.
        #expect(try Shell.xsplice("verify", "--image", copy, try Corpus.payload(m, "fixB")).status == 0)
    }

    @Test func wrongBuildIsForeign() throws {
        let wrong = try #require(m.wrongBuild)
        let r = try Shell.xsplice("verify", "--image", "\(m.dir)/\(wrong)", try Corpus.payload(m, "fixA"))
        #expect(r.status == 1 && r.stdout.contains("build-id"), "\(r.stdout)")
    }

    @Test func truncatedPayloadIsAOneLineErrorWithExitTwo() throws {
        let p = try Corpus.payload(m, "fixA")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: p))
        let cut = Paths.tempDir("cut") + "/cut.xsp"
        for n in [0, 7, 20, bytes.count / 2, bytes.count - 1] {
            try bytes.prefix(n).write(to: URL(fileURLWithPath: cut))
            for cmd in [["inspect", cut], ["verify", "--image", m.binaryPath, cut]] {
                let r = try Shell.xsplice(cmd)
                #expect(r.status == 2, "\(cmd) at \(n): \(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
                #expect(r.stderr.contains("xsplice: "))
            }
        }
    }

    @Test func inspectJSONIsValidAndComplete() throws {
        let r = try Shell.xsplice("inspect", "--json", try Corpus.payload(m, "fixC"))
        #expect(r.status == 0)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["name"] as? String == "counter-fixC")
        #expect((o["id"] as? String)?.count == 64)
        let fn = try #require((o["functions"] as? [[String: Any]])?.first)
        #expect(fn["symbol"] as? String == "compute_a")
        let base = try Shell.xsplice("inspect", "--json", try Corpus.payload(m, "fixA"))
        let baseID = try #require(
            (try JSONSerialization.jsonObject(with: Data(base.stdout.utf8)) as? [String: Any])?["id"] as? String)
        #expect(fn["accepts"] as? [String] == ["applied:\(baseID)"])
        #expect((fn["replacement_size"] as? Int ?? 0) > 0)
        #expect(!((fn["relocations"] as? [Any]) ?? []).isEmpty)
    }

    @Test func textInspectShowsTheFields() throws {
        let r = try Shell.xsplice("inspect", try Corpus.payload(m, "cumA"))
        #expect(r.status == 0)
        for word in ["counter-cumA", "compute_a", "accepts", "virgin", "applied(", "relocations"] {
            #expect(r.stdout.contains(word), "\(word) missing: \(r.stdout)")
        }
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try Shell.xsplice("verify", try Corpus.payload(m, "fixA")).status == 2)
        #expect(try Shell.xsplice("frobnicate").status == 2)
        #expect(try Shell.xsplice("inspect", "/nonexistent.xsp").status == 2)
        #expect(try Shell.xsplice("--help").status == 0)
    }

    /// The file offset of a virtual address, read from the program headers
    /// with readelf, independently of xsplice's ELF reader.
    func fileOffset(of address: UInt64, in path: String) throws -> Int {
        let r = try Shell.run("/usr/bin/readelf", ["-lW", path])
        for line in r.stdout.split(separator: "\n") where line.contains("LOAD") {
            let f = line.split(separator: " ")
            guard f.count >= 6, let off = UInt64(f[1].dropFirst(2), radix: 16),
                let va = UInt64(f[2].dropFirst(2), radix: 16),
                  let fsz = UInt64(f[4].dropFirst(2), radix: 16) else { continue }
            if address >= va && address < va + fsz { return Int(address - va + off) }
        }
        throw TestFailure("0x\(String(address, radix: 16)) not in a LOAD segment of \(path)")
    }
}
