import Foundation
import Glibc
import Testing
import TestSupport

/// `--dry-run` on batches, which the Ansible module's check mode relies on:
/// it reports what a real run would change ("would-apply", "would-revert")
/// apart from what already holds ("unchanged", "already applied"), and
/// writes nothing, seen in the program's output and its code bytes.
@Suite(.serialized) struct FleetDryRunTests {
    typealias Line = FleetLiveTests.Line

    static func run(_ args: [String]) throws -> (status: Int32, rows: [Line], summary: Line?, text: String) {
        let r = try Shell.xsplice(args + ["--json"])
        let lines = FleetLiveTests.lines(r.stdout)
        return (r.status, lines.filter { $0.summary != true }, lines.last { $0.summary == true },
                r.stdout + r.stderr)
    }

    @Test func dryRunsSayWhatWouldChangeAndWriteNothing() throws {
        let m = try Manifest("counter")
        let payload = try Corpus.payload(m, "fixA")
        let p = try LiveProcess(m.binaryPath)
        defer { p.stop() }
        try p.waitUntilRunning()
        let pristine = try FleetLiveTests.code(p.pid)
        let sel = ["--pids", String(p.pid)]

        let wa = try Self.run(["apply"] + sel + ["--dry-run", payload])
        #expect(wa.status == 0, "\(wa.text)")
        #expect(wa.rows.first?.result == "would-apply" && wa.rows.first?.before == "virgin"
                && wa.rows.first?.after == "virgin", "\(wa.text)")
        #expect(wa.summary?.would_change == 1 && wa.summary?.changed == 0 && wa.summary?.dry_run == true,
                "\(wa.text)")
        #expect(p.waitForTokens(["compute_a": "100"])["compute_a"] == "100")
        #expect(try FleetLiveTests.code(p.pid) == pristine, "a dry-run apply wrote code")

        // A revert dry run of a payload that is not there changes nothing.
        let nr = try Self.run(["revert"] + sel + ["--dry-run", "counter-fixA"])
        #expect(nr.status == 0 && nr.rows.first?.result == "skipped" && nr.summary?.would_change == 0, "\(nr.text)")

        let a = try Self.run(["apply"] + sel + [payload])
        #expect(a.status == 0 && a.rows.first?.result == "applied" && a.summary?.changed == 1, "\(a.text)")
        #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101")
        let patched = try FleetLiveTests.code(p.pid)

        // Applied already: the state holds, a dry run and a real run alike.
        for extra in [["--dry-run"], []] {
            let again = try Self.run(["apply"] + sel + extra + [payload])
            #expect(again.status == 0 && again.rows.first?.result == "unchanged"
                    && again.rows.first?.reason == "already applied"
                    && again.summary?.changed == 0 && again.summary?.would_change == 0, "\(extra) \(again.text)")
        }

        let wr = try Self.run(["revert"] + sel + ["--dry-run", "counter-fixA"])
        #expect(wr.status == 0 && wr.rows.first?.result == "would-revert" && wr.summary?.would_change == 1,
                "\(wr.text)")
        #expect(p.waitForTokens(["compute_a": "101"])["compute_a"] == "101")
        #expect(try FleetLiveTests.code(p.pid) == patched, "a dry-run revert wrote code")

        // One process, no batch: the same check through `revert --pid`.
        let one = try Shell.xsplice(["revert", "--pid", String(p.pid), "--dry-run", "--json", "counter-fixA"])
        #expect(one.status == 0 && one.stdout.contains("would revert (dry run, nothing written)"), "\(one.stdout)")
        #expect(try FleetLiveTests.code(p.pid) == patched, "a dry-run revert --pid wrote code")

        let r = try Self.run(["revert"] + sel + ["counter-fixA"])
        #expect(r.status == 0 && r.rows.first?.result == "reverted", "\(r.text)")
        #expect(p.waitForTokens(["compute_a": "100"])["compute_a"] == "100")
    }

    /// A revert that a real run would refuse (the payload is covered by one
    /// stacked on top of it) is refused by the dry run too, not "would-revert".
    @Test func revertDryRunRefusesWhatRevertWouldRefuse() throws {
        let m = try Manifest("counter")
        let fixA = try Corpus.payload(m, "fixA"), fixC = try Corpus.payload(m, "fixC")
        let p = try LiveProcess(m.binaryPath)
        defer { p.stop() }
        try p.waitUntilRunning()
        let sel = ["--pids", String(p.pid)]
        #expect(try Self.run(["apply"] + sel + [fixA]).status == 0)
        #expect(try Self.run(["apply"] + sel + [fixC]).status == 0)
        #expect(p.waitForTokens(["compute_a": "102"])["compute_a"] == "102")
        let covered = try Self.run(["revert"] + sel + ["--dry-run", "counter-fixA"])
        #expect(covered.status == 1 && covered.rows.first?.result == "refused"
                && covered.rows.first?.reason?.contains("fixC") == true, "\(covered.text)")
        #expect(p.waitForTokens(["compute_a": "102"])["compute_a"] == "102")
    }
}
