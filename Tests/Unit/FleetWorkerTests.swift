import Foundation
import Glibc
import Testing
import TestSupport

/// The long-lived batch workers: a payload decoded once must still be the
/// one the command checked, and a worker that dies costs only the process it
/// was working on; the rest of the queue goes to a new worker.
@Suite(.serialized) struct FleetWorkerTests {
    @Test func workerRefusesAPayloadWhoseIDIsNotTheCheckedOne() throws {
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let p = try LiveProcess(m.binaryPath)
        defer { p.stop() }
        try p.waitUntilRunning()
        let before = try FleetLiveTests.code(p.pid)
        let other = String(repeating: "ab", count: 32)
        let r = try Shell.xsplice(
            ["fleet-worker", "--pid", "\(p.pid)", "--op", "apply", "--payload-id", other, payload])
        let line = FleetLiveTests.lines(r.stdout).first
        #expect(line?.result == "refused" && line?.reason?.contains("changed during the batch") == true, "\(r.stdout)")
        #expect(try FleetLiveTests.code(p.pid) == before)
        #expect(p.waitForTokens(["compute_a": "100"])["compute_a"] == "100")
        // The right ID applies.
        let id = try Self.payloadID(payload)
        let ok = try Shell.xsplice(["fleet-worker", "--pid", "\(p.pid)", "--op", "apply", "--payload-id", id, payload])
        #expect(FleetLiveTests.lines(ok.stdout).first?.result == "applied", "\(ok.stdout)\(ok.stderr)")
        #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101")
    }

    @Test func aWorkerKilledMidBatchLosesOnlyItsOwnProcess() throws {
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let procs = try (0..<3).map { _ in try LiveProcess(m.binaryPath) }
        defer { procs.forEach { $0.stop() } }
        for p in procs { try p.waitUntilRunning() }
        let pids = procs.map { String($0.pid) }.joined(separator: ",")
        // Every worker kills itself once its process is patched and running:
        // each process must still get its own line, from a fresh worker.
        let r = try Shell.xsplice(["apply", "--pids", pids, "--workers", "1", "--json", payload],
                                  environment: ["XSPLICE_FAULT": "resumed"])
        let lines = FleetLiveTests.lines(r.stdout)
        let results = Dictionary(lines.compactMap { l in l.pid.map { ($0, l) } }, uniquingKeysWith: { a, _ in a })
        #expect(Set(results.keys) == Set(procs.map(\.pid)), "\(r.stdout)")
        for p in procs {
            let l = results[p.pid]
            #expect(l?.result == "inconsistent" && l?.reason?.contains("signal 9") == true, "\(p.pid): \(r.stdout)")
            // What the worker did before it died holds: the program runs the new code.
            #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101", "\(p.pid)")
        }
        #expect(r.status == 3 && lines.last?.summary == true, "\(r.status) \(r.stdout)")
        let v = try Shell.xsplice(["verify", "--pids", pids, "--json", payload])
        #expect(FleetLiveTests.lines(v.stdout).filter { $0.before == "applied" }.count == 3, "\(v.stdout)")
    }

    /// A worker keeps one comparison of the host's address spaces for all
    /// its targets (HostCensus): a process whose memory is shared with a
    /// task outside its thread group must still be found and refused.
    @Test func batchStillFindsAnAddressSpaceSharedOutsideTheThreadGroup() throws {
        let m = try Manifest("stopwin")
        let payload = try Corpus.payload(m, "fixWork")
        let shared = try LiveProcess(m.binaryPath, args: ["60", "clonevm"])
        let plain = try (0..<2).map { _ in try LiveProcess(m.binaryPath, args: ["60", "clonevm"]) }
        defer { ([shared] + plain).forEach { $0.stop() } }
        for p in [shared] + plain { try p.waitUntilRunning() }
        // SIGUSR1 makes it clone(CLONE_VM) a task that shares its memory.
        kill(shared.pid, SIGUSR1)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !Self.hasCloneVMSibling(shared.pid) { usleep(20_000) }
        try #require(Self.hasCloneVMSibling(shared.pid))
        let before = try FleetLiveTests.code(shared.pid)
        // The shared one in the middle: the worker's census is sorted by then.
        let pids = [plain[0].pid, shared.pid, plain[1].pid].map(String.init).joined(separator: ",")
        let r = try Shell.xsplice(["apply", "--pids", pids, "--workers", "1", "--timeout", "1", "--json", payload])
        let lines = FleetLiveTests.lines(r.stdout)
        let byPID = Dictionary(lines.compactMap { l in l.pid.map { ($0, l) } }, uniquingKeysWith: { a, _ in a })
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let refused = byPID[shared.pid]
        #expect(refused?.result == "refused" && refused?.reason?.contains("outside its thread group") == true,
                "\(r.stdout)")
        #expect(try FleetLiveTests.code(shared.pid) == before)
        #expect(shared.waitForTokens(["work_fn": "100"])["work_fn"] == "100")
        for p in plain {
            #expect(byPID[p.pid]?.result == "applied", "\(p.pid): \(r.stdout)")
            #expect(p.waitForTokens(["work_fn": "101"])["work_fn"] == "101", "\(p.pid)")
        }
    }

    /// The same with the sharing task created while the batch runs, after
    /// the worker sorted the host's address spaces: it is a new task, and
    /// the worker's reuse of its last /proc listing must not hide it.
    @Test func batchFindsASharerCreatedAfterTheWorkerLookedAtTheHost() throws {
        let m = try Manifest("stopwin")
        let payload = try Corpus.payload(m, "fixWork")
        let late = try LiveProcess(m.binaryPath, args: ["60", "clonevm"])
        let plain = try (0..<8).map { _ in try LiveProcess(m.binaryPath, args: ["60", "clonevm"]) }
        defer { ([late] + plain).forEach { $0.stop() } }
        for p in [late] + plain { try p.waitUntilRunning() }
        let before = try FleetLiveTests.code(late.pid)
        let lastBefore = try FleetLiveTests.code(plain[7].pid)
        let firstBefore = try FleetLiveTests.code(plain[0].pid)
        let pids = (plain.map(\.pid) + [late.pid]).map(String.init).joined(separator: ",")
        let run = Process()
        run.executableURL = URL(fileURLWithPath: Paths.xsplice)
        run.arguments = ["apply", "--pids", pids, "--workers", "1", "--timeout", "2", "--json", payload]
        let out = Pipe()
        run.standardOutput = out
        run.standardError = FileHandle.nullDevice
        try run.run()
        // Once the first process is patched the worker has listed /proc and
        // sorted the host; only then does `late` clone its sharing task.
        var deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try? FleetLiveTests.code(plain[0].pid)) == firstBefore { usleep(2_000) }
        kill(late.pid, SIGUSR1)
        deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !Self.hasCloneVMSibling(late.pid) { usleep(2_000) }
        // Decisive when the task existed before the worker reached the last
        // process ahead of `late`.
        let decisive = Self.hasCloneVMSibling(late.pid) && (try? FleetLiveTests.code(plain[7].pid)) == lastBefore
        let data = out.fileHandleForReading.readDataToEndOfFile()
        run.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let byPID = Dictionary(FleetLiveTests.lines(text).compactMap { l in l.pid.map { ($0, l) } },
                               uniquingKeysWith: { a, _ in a })
        if decisive {
            let l = byPID[late.pid]
            #expect(l?.result == "refused" && l?.reason?.contains("outside its thread group") == true, "\(text)")
            #expect(try FleetLiveTests.code(late.pid) == before)
        }
        for p in plain { #expect(byPID[p.pid]?.result == "applied", "\(p.pid): \(text)") }
    }

    /// Whether `pid` has a child process (stopwin's clone(CLONE_VM) sibling).
    static func hasCloneVMSibling(_ pid: Int32) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for n in names {
            guard let p = Int32(n), p != pid,
                  let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == pid { return true }
        }
        return false
    }

    static func payloadID(_ path: String) throws -> String {
        let r = try Shell.xsplice(["inspect", path, "--json"])
        struct Inspected: Decodable { var id: String }
        return try JSONDecoder().decode(Inspected.self, from: Data(r.stdout.utf8)).id
    }
}
