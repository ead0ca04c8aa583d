@testable import Applier
import Foundation
import Payload
import Target
import TestSupport
import Testing

/// A pre-fork server: the registry belongs to each process, so list, verify
/// and revert work in the master and every worker independently, and what a
/// worker does to its own copy never reaches the master.
@Suite(.serialized) struct ForkTests {
    struct Server {
        let h: LiveHarness
        let dir: String

        init() throws {
            try Corpus.ensureBuilt()
            let d = Paths.tempDir("prefork")
            chmod(d, 0o755)
            dir = d
            h = try LiveHarness("prefork", args: ["60", d])
        }

        var workers: Set<Int32> {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return Set(names.filter { $0.hasPrefix("worker-") }.compactMap { Int32($0.dropFirst(7)) })
        }

        /// Sends `signal` to the master and returns the worker it forked.
        func fork(_ signal: Int32) throws -> Int32 {
            let before = workers
            kill(h.process.pid, signal)
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                if let w = workers.subtracting(before).first {
                    // The tamperer ticks only once it has done its work.
                    if signal == SIGUSR1 { _ = try waitTokens(w, [:]) }
                    return w
                }
                usleep(10_000)
            }
            throw TestFailure("no worker forked")
        }

        /// Waits for a fresh tick of worker `w` carrying `want`; returns its tokens.
        @discardableResult
        func waitTokens(_ w: Int32, _ want: [String: String], timeout: Double = 5) throws -> [String: String] {
            let path = "\(dir)/worker-\(w)"
            let deadline = Date().addingTimeInterval(timeout)
            var first: Int?
            var seen: [String: String] = [:]
            while Date() < deadline {
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").last(where: { $0.hasPrefix("tick ") && text.hasSuffix("\n") })
                {
                    let f = line.split(separator: " ")
                    let n = Int(f[1]) ?? 0
                    var d: [String: String] = [:]
                    for kv in f.dropFirst(2) {
                        let p = kv.split(separator: "=", maxSplits: 1)
                        if p.count == 2 { d[String(p[0])] = String(p[1]) }
                    }
                    seen = d
                    if first == nil { first = n } else if let s = first, n > s,
                        want.allSatisfy({ d[$0.key] == $0.value }) { return d }
                }
                usleep(10_000)
            }
            return seen
        }

        func output(_ w: Int32) -> String { (try? String(contentsOfFile: "\(dir)/worker-\(w)", encoding: .utf8)) ?? "" }

        func stop() {
            for w in workers { kill(w, SIGKILL) }
            h.process.stop()
        }
    }

    @Test func workersForkedBeforeAndAfterAPatchAreIndependent() throws {
        let s = try Server()
        defer { s.stop() }
        let h = s.h
        let original = try h.codeSnapshot()
        let before = try s.fork(SIGUSR1)
        #expect(try h.apply("fixA").status == 0)
        h.expectOutput(["fixA"])
        let after = try s.fork(SIGUSR1)
        // The worker forked before the patch runs the old code and has no
        // registry; the one forked after runs the patch and lists it.
        #expect(try s.waitTokens(before, [:])["pf_a"] == "4100")
        #expect(try s.waitTokens(after, [:])["pf_a"] == "4101")
        #expect(try Shell.xsplice("list", "--pid", String(before)).stdout.contains("no payloads applied"))
        #expect(try Shell.xsplice("list", "--pid", String(after)).stdout.contains("prefork-fixA"))

        // Revert in the later worker only: the master keeps its patch and its record.
        let r = try Shell.xsplice("revert", "--pid", String(after), "prefork-fixA")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try s.waitTokens(after, ["pf_a": "4100"])["pf_a"] == "4100")
        h.expectOutput(["fixA"])
        #expect(try h.listJSON().contains("prefork-fixA"))
        #expect(try Shell.xsplice("verify", "--pid", h.pid, try h.payload("fixA")).stdout.contains("applied"))
        let vAfter = try Shell.xsplice("verify", "--pid", String(after), try h.payload("fixA"))
        #expect(vAfter.status == 0 && vAfter.stdout.contains("applicable"), "\(vAfter.stdout)")

        // Patch the earlier worker on its own; the master does not see it.
        #expect(try Shell.xsplice("apply", "--pid", String(before), try h.payload("fixB")).status == 0)
        #expect(try s.waitTokens(before, ["pf_b": "4201"])["pf_b"] == "4201")
        h.expectOutput(["fixA"])
        #expect(!(try h.listJSON().contains("prefork-fixB")))

        // The master reverts its own patch; the workers keep their states.
        #expect(try h.revert("fixA").status == 0)
        h.expectOutput([])
        #expect(try h.codeSnapshot() == original)
        #expect(try s.waitTokens(before, [:]) == ["pf_a": "4100", "pf_b": "4201", "uid": "0"])
        #expect(try s.waitTokens(after, [:]) == ["pf_a": "4100", "pf_b": "4200", "uid": "0"])
        #expect(try Shell.xsplice("list", "--pid", String(before)).stdout.contains("prefork-fixB"))
        #expect(try Shell.xsplice("revert", "--pid", String(before), "prefork-fixB").status == 0)
        #expect(try s.waitTokens(before, ["pf_b": "4200"])["pf_b"] == "4200")
    }

    /// The attack of issue 10: a worker of a patched root master drops to
    /// uid 65534 and writes a crafted journal (a write of `mov $0x1337,%eax`
    /// over pf_b) into the registry it inherited. The master's next apply is
    /// untouched by it, and xsplice refuses to obey it in the worker too.
    @Test func aCraftedJournalFromAnUnprivilegedWorkerChangesNothing() throws {
        let s = try Server()
        defer { s.stop() }
        let h = s.h
        #expect(try h.apply("fixA").status == 0)
        let evil = try s.fork(SIGUSR2)
        let t = try ProcessTarget(pid: h.process.pid)
        let m = try t.module(named: "")
        guard let sym = m.symbol(named: "pf_b", file: "") else { throw TestFailure("no pf_b") }
        let entry = m.liveAddress(sym.value)
        let patch = entry + (Endbr.starts(try t.read(entry, count: 4)) ? 4 : 0)
        let originalB = try t.read(entry, count: Int(sym.size))
        let store = RegistryStore(target: t)
        let records = try store.load().records
        let evilBytes: [UInt8] = [0xb8, 0x37, 0x13, 0x00, 0x00]  // mov $0x1337,%eax
        var j = Journal.fresh("apply prefork-fixB", loaded: [])
        j.ownerPID = 1
        j.committed = true
        j.writes = [.init(address: patch, old: try t.read(patch, count: 5), new: evilBytes, function: "pf_b")]
        j.after = records
        let slot = try store.prepare(Registry(records: records, journal: j), generation: 1000, slot: 0)
        var image = RegistryStore.magic + [0, 0, 0, 0]
        image += [UInt8](repeating: 0, count: Int(RegistryStore.headerSize) - image.count)
        image += slot.bytes
        let crafted = s.dir + "/crafted"
        FileManager.default.createFile(
            atPath: crafted + ".tmp", contents: Data(image), attributes: [.posixPermissions: 0o644])
        try FileManager.default.moveItem(atPath: crafted + ".tmp", toPath: crafted)
        let deadline = Date().addingTimeInterval(5)
        while !s.output(evil).contains("crafted"), Date() < deadline { usleep(10_000) }
        #expect(s.output(evil).contains("crafted \(image.count) bytes"), "\(s.output(evil).prefix(200))")
        #expect(try s.waitTokens(evil, [:])["uid"] == "65534")

        // The operator's next routine apply on the master.
        let a = try h.apply("fixB")
        #expect(a.status == 0, "\(a.stderr)")
        h.expectOutput(["fixA", "fixB"])
        #expect(try t.read(patch, count: 5) != evilBytes)
        #expect(try h.revert("fixB").status == 0)
        #expect(try t.read(entry, count: Int(sym.size)) == originalB)

        // In the worker itself the crafted journal is refused, not obeyed.
        let rec = try Shell.xsplice("recover", "--pid", String(evil))
        #expect(rec.status == 1, "\(rec.status) \(rec.stdout) \(rec.stderr)")
        #expect(rec.stderr.contains("neither the program's own code nor a jump"), "\(rec.stderr)")
        let w = try ProcessTarget(pid: evil)
        #expect(try w.read(entry, count: Int(sym.size)) == originalB)
        #expect(try s.waitTokens(evil, [:])["pf_b"] == "4200")
    }
}
