import Foundation
import Glibc
import Testing
import TestSupport

/// Batches over many live processes: each its own transaction, foreign ones
/// skipped and never written, a busy one refused while the others apply.
@Suite(.serialized) struct FleetLiveTests {
    struct Line: Decodable {
        var result: String?
        var pid: Int32?
        var before: String?
        var after: String?
        var reason: String?
        var summary: Bool?
        var changed: Int?
        var would_change: Int?
        var unchanged: Int?
        var dry_run: Bool?
        var refused: Int?
        var skipped: Int?
        var processes: Int?
        var exit: Int32?
    }

    static func lines(_ out: String) -> [Line] {
        out.split(separator: "\n").compactMap { try? JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    /// The bytes of a process's executable code mappings, read from its memory.
    static func code(_ pid: Int32) throws -> [UInt8] {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
        let fd = open("/proc/\(pid)/mem", O_RDONLY)
        guard fd >= 0 else { throw TestFailure("cannot open /proc/\(pid)/mem") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        for line in maps.split(separator: "\n") where line.hasSuffix(exe) && line.contains(" r-xp ") {
            let r = line.split(separator: " ")[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard r.count == 2 else { continue }
            var buf = [UInt8](repeating: 0, count: Int(r[1] - r[0]))
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(r[0])) }
            bytes += buf.prefix(max(0, n))
        }
        return bytes
    }

    @Test func applyOverFiftyProcessesPatchesMatchingSkipsForeignRefusesBusy() throws {
        let m = try Manifest("parked")
        let payload = try Corpus.payload(m, "fixPark")
        var released: [LiveProcess] = [], foreign: [LiveProcess] = []
        defer { (released + foreign).forEach { $0.stop() } }
        for _ in 0..<48 { released.append(try LiveProcess(m.binaryPath)) }
        let busy = try LiveProcess(m.binaryPath)
        defer { busy.stop() }
        for _ in 0..<3 { foreign.append(try LiveProcess(m.dir + "/parked.wrongbuild")) }
        let counter = try Manifest("counter")
        for _ in 0..<2 { foreign.append(try LiveProcess(counter.binaryPath)) }
        for p in released + [busy] + foreign { try p.waitUntilRunning(timeout: 20) }
        // The handler is installed before the first tick: SIGUSR1 lets the
        // parked thread leave park_here for good; `busy` keeps its thread there.
        for p in released { kill(p.pid, SIGUSR1) }
        usleep(500_000)
        let foreignCode = try foreign.map { try Self.code($0.pid) }

        let all = released + [busy] + foreign
        let pids = all.map { String($0.pid) }.joined(separator: ",")
        let a = try Shell.xsplice(["apply", "--pids", pids, "--timeout", "2", "--workers", "2", "--json", payload])
        #expect(a.status == 1, "\(a.stdout)\(a.stderr)")
        let out = Self.lines(a.stdout)
        let byPID = Dictionary(out.compactMap { l in l.pid.map { ($0, l) } }, uniquingKeysWith: { x, _ in x })
        #expect(byPID.count == all.count)
        for p in released {
            #expect(byPID[p.pid]?.result == "applied" && byPID[p.pid]?.before == "virgin"
                    && byPID[p.pid]?.after == "applied", "\(p.pid): \(String(describing: byPID[p.pid]))")
        }
        #expect(byPID[busy.pid]?.result == "refused" && byPID[busy.pid]?.reason?.contains("park_here") == true)
        for p in foreign { #expect(byPID[p.pid]?.result == "skipped" && byPID[p.pid]?.reason == "foreign") }
        let summary = out.last
        #expect(summary?.summary == true && summary?.processes == all.count && summary?.changed == 48
                && summary?.refused == 1 && summary?.skipped == 5 && summary?.exit == 1, "\(a.stdout)")

        // What each program does now.
        for p in released {
            #expect(p.waitForTokens(["park_here": "901"], timeout: 10)["park_here"] == "901", "\(p.pid)")
        }
        #expect(busy.isAlive && busy.waitForTokens(["park_here": "900"])["park_here"] == "900")
        for (p, before) in zip(foreign, foreignCode) {
            let now = try Self.code(p.pid)
            #expect(p.isAlive && !now.isEmpty && now == before, "foreign process \(p.pid) was written")
        }

        // `status` finds every patched process from the processes alone, and
        // no skipped one (nothing was mapped into it either).
        let s = try Shell.xsplice(["status", "--json"])
        #expect(s.status == 0, "\(s.stderr)")
        struct Status: Decodable { var pid: Int32; var payloads: [Entry] }
        struct Entry: Decodable { var name: String }
        let st = try JSONDecoder().decode([Status].self, from: Data(s.stdout.utf8))
        let listed = Dictionary(st.map { ($0.pid, $0.payloads.map(\.name)) }, uniquingKeysWith: { x, _ in x })
        for p in released { #expect(listed[p.pid] == ["parked-fixPark"], "\(p.pid) in status") }
        for p in foreign { #expect(listed[p.pid] == nil, "skipped \(p.pid) carries a registry") }

        let r = try Shell.xsplice(["revert", "--pids", pids, "--json", "parked-fixPark"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let rl = Self.lines(r.stdout)
        #expect(rl.filter { $0.result == "reverted" }.count == 48 && rl.last?.changed == 48, "\(r.stdout)")
        for p in released + [busy] {
            #expect(p.waitForTokens(["park_here": "900"], timeout: 10)["park_here"] == "900", "\(p.pid)")
        }
        let v = try Shell.xsplice(["verify", "--pids", pids, "--json", payload])
        #expect(v.status == 0 && Self.lines(v.stdout).filter { $0.before == "virgin" }.count == 49, "\(v.stdout)")
    }

    @Test func exeSelectsOnlyProcessesOfThatFile() throws {
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let copy = Paths.tempDir("fleet-exe") + "/counter"
        try FileManager.default.copyItem(atPath: m.binaryPath, toPath: copy)
        let inside = [try LiveProcess(copy), try LiveProcess(copy)]
        let outside = try LiveProcess(m.binaryPath)
        defer { (inside + [outside]).forEach { $0.stop() } }
        for p in inside + [outside] { try p.waitUntilRunning() }
        let a = try Shell.xsplice(["apply", "--exe", copy, "--json", payload])
        #expect(a.status == 0, "\(a.stdout)\(a.stderr)")
        #expect(Set(Self.lines(a.stdout).compactMap(\.pid)) == Set(inside.map(\.pid)), "\(a.stdout)")
        for p in inside { #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101") }
        #expect(outside.waitForTokens(["compute_a": "100"])["compute_a"] == "100")
    }

    @Test func badSelectorsAreBadInput() throws {
        let payload = try Corpus.payload(try Manifest("counter"), "fixA")
        for args in [["--pids", "12,abc"], ["--pid", "1", "--all"], ["--all", "--exe", "/bin/sh"],
                     ["--cgroup", "no/such/cgroup"]] {
            let r = try Shell.xsplice(["apply"] + args + [payload])
            #expect(r.status == 2, "\(args): \(r.status) \(r.stdout)\(r.stderr)")
        }
    }
}
