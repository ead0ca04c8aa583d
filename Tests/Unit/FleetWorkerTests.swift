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
        let r = try Shell.xsplice(["fleet-worker", "--pid", "\(p.pid)", "--op", "apply", "--payload-id", other, payload])
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

    static func payloadID(_ path: String) throws -> String {
        let r = try Shell.xsplice(["inspect", path, "--json"])
        struct Inspected: Decodable { var id: String }
        return try JSONDecoder().decode(Inspected.self, from: Data(r.stdout.utf8)).id
    }
}
