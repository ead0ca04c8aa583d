import Foundation
import TestSupport
import Testing

/// `apply --dry-run` warns about each changed function a thread is inside
/// right now: corpus/parked keeps one thread in park_here for good.
@Suite(.serialized) struct DryRunWarningTests {
    /// Dry runs until one warns (the thread parks a moment after start).
    func dryRunUntilWarned(_ h: LiveHarness, _ variant: String, json: Bool) throws -> Shell.Result {
        let deadline = Date().addingTimeInterval(10)
        var r: Shell.Result
        repeat {
            r = try Shell.xsplice(["apply", "--pid", h.pid, "--dry-run", try h.payload(variant)]
                + (json ? ["--json"] : []))
            if r.stdout.contains("park_here right now") { break }
            usleep(50_000)
        } while Date() < deadline
        return r
    }

    /// The thread that is not the main one: the parked one.
    func parkedThread(_ pid: Int32) throws -> Int32 {
        let tids = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap { Int32($0) }
        return try #require(tids.first { $0 != pid })
    }

    @Test func dryRunNamesTheThreadInsideTheChangedFunction() throws {
        let h = try LiveHarness("parked")
        defer { h.process.stop() }
        let original = try h.codeSnapshot()
        let r = try dryRunUntilWarned(h, "fixPark", json: false)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let tid = try parkedThread(h.process.pid)
        #expect(r.stdout.contains("warning: thread \(tid) is "), "\(r.stdout)")
        #expect(r.stdout.contains("park_here right now") && r.stdout.contains("which may never come"), "\(r.stdout)")
        #expect(try h.codeSnapshot() == original, "a dry run writes nothing")
        h.expectOutput([])
        #expect(h.process.isAlive)
    }

    @Test func dryRunJSONCarriesTheWarning() throws {
        let h = try LiveHarness("parked")
        defer { h.process.stop() }
        let r = try dryRunUntilWarned(h, "fixPark", json: true)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let warnings = try #require(json["warnings"] as? [[String: Any]], "\(r.stdout)")
        let tid = try parkedThread(h.process.pid)
        #expect(warnings.contains { $0["thread"] as? Int == Int(tid) && $0["function"] as? String == "park_here" },
                "\(r.stdout)")
        #expect(h.process.isAlive)
    }

    /// A payload that leaves park_here alone does not warn about it.
    @Test func functionNoThreadHoldsIsNotNamed() throws {
        let h = try LiveHarness("parked")
        defer { h.process.stop() }
        _ = try dryRunUntilWarned(h, "fixPark", json: false)
        let r = try Shell.xsplice(["apply", "--pid", h.pid, "--dry-run", try h.payload("fixOther")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("park_here"), "\(r.stdout)")
    }
}
