import Foundation
import Glibc
import Testing
import TestSupport

/// `xsplice watch` and its payload store on live corpus processes. Each test
/// runs its programs from private copies and restricts the watcher to them
/// (`--exe`), so that no other test's processes are patched.
@Suite(.serialized) struct WatchLiveTests {
    let dir: String
    let store: String

    init() throws {
        try Corpus.ensureBuilt()
        dir = Paths.tempDir("watch")
        store = dir + "/store"
    }

    /// Copies a corpus program (and, for a library program, its libraries:
    /// the runpath is $ORIGIN) into this test's directory.
    func copy(_ program: String, _ files: [String]) throws -> String {
        let m = try Manifest(program)
        let to = dir + "/" + program
        for f in files {
            let dest = to + "/" + f
            try FileManager.default.createDirectory(
                atPath: (dest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: dest) {
                try FileManager.default.copyItem(atPath: m.dir + "/" + f, toPath: dest)
            }
        }
        return to
    }

    func add(_ payload: String, _ extra: [String] = [], env: [String: String] = [:]) throws -> Shell.Result {
        try Shell.xsplice(["store", "add", "--store", store] + extra + [payload], environment: env)
    }

    @Test func watchPatchesRunningAndNewProcessesSkipsOtherBuildsAndLogsAFailureOnce() throws {
        let counterDir = try copy("counter", ["counter", "counter.wrongbuild"])
        let libDir = try copy("libuser", ["libuser", "libgreet.so.1", "libuser.wrongbuild", "wrongbuild/libgreet.so.1"])
        let parkedDir = try copy("parked", ["parked"])
        for p in [try Corpus.payload(try Manifest("counter"), "fixA"),
                  try Corpus.payload(try Manifest("libuser"), "fixA"),
                  try Corpus.payload(try Manifest("parked"), "fixPark")] {
            let r = try add(p)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        }
        let counter = counterDir + "/counter", wrong = counterDir + "/counter.wrongbuild"
        let lib = libDir + "/libuser", libWrong = libDir + "/libuser.wrongbuild", parked = parkedDir + "/parked"

        // Running before the watcher starts: the start-up sweep patches it.
        let early = try LiveProcess(counter)
        defer { early.stop() }
        try early.waitUntilRunning(timeout: 20)
        let watch = try WatchProcess(["--store", store, "--json", "--timeout", "0.5", "--exe", counter,
                                      "--exe", wrong, "--exe", lib, "--exe", libWrong, "--exe", parked])
        defer { watch.stop() }
        #expect(watch.waitFor { $0.event == "started" && $0.payloads == 3 } != nil, "\(watch.log)")
        #expect(early.waitForTokens(["compute_a": "101"], timeout: 20)["compute_a"] == "101", "\(watch.log)")

        // Started after: the main executable's payload, a library's payload
        // (applied once the loader has mapped and relocated it), another build
        // of each (skipped, logged, not written), and a process on which the
        // payload fails (its thread never leaves park_here).
        let fresh = try LiveProcess(counter), freshLib = try LiveProcess(lib)
        let other = try LiveProcess(wrong), otherLib = try LiveProcess(libWrong)
        let stuck = try LiveProcess(parked)
        let all = [fresh, freshLib, other, otherLib, stuck]
        defer { all.forEach { $0.stop() } }
        #expect(fresh.waitForTokens(["compute_a": "101"], timeout: 20)["compute_a"] == "101", "\(watch.log)")
        #expect(freshLib.waitForTokens(["greet_id": "501"], timeout: 20)["greet_id"] == "501", "\(watch.log)")
        for (p, payload) in [(fresh, "counter-fixA"), (freshLib, "libuser-fixA")] {
            // The program changes as the worker writes; its report follows.
            watch.waitFor { $0.event == "process" && $0.pid == p.pid && $0.payload == payload }
            let lines = watch.process(p.pid).filter { $0.payload == payload }
            #expect(lines.map(\.result) == ["applied"], "\(p.pid): \(watch.log)")
        }
        for (p, payload) in [(other, "counter-fixA"), (otherLib, "libuser-fixA")] {
            let line = watch.waitFor { $0.event == "process" && $0.pid == p.pid && $0.payload == payload }
            #expect(line?.result == "skipped" && line?.reason?.contains("another build") == true, "\(watch.log)")
        }
        let refused = watch.waitFor {
            $0.event == "process" && $0.pid == stuck.pid && $0.payload == "parked-fixPark"
        }
        #expect(refused?.result == "refused" && refused?.reason?.contains("park_here") == true, "\(watch.log)")

        // Two store reloads make the watcher look at every process again:
        // none is tried a second time.
        for _ in 0..<2 {
            kill(watch.pid, SIGHUP)
            usleep(1_500_000)
        }
        #expect(watch.lines.filter { $0.event == "store" }.count >= 3, "\(watch.log)")
        for p in all {
            let payloads = watch.process(p.pid).compactMap(\.payload)
            #expect(payloads.count == Set(payloads).count, "\(p.pid) logged again: \(watch.log)")
        }

        // What the programs do, and what was written into them.
        #expect(other.waitForTokens(["compute_a": "100"])["compute_a"] == "100")
        #expect(otherLib.waitForTokens(["greet_id": "500"])["greet_id"] == "500")
        #expect(stuck.waitForTokens(["park_here": "900"])["park_here"] == "900")
        for p in [other, otherLib, stuck] {
            let l = try Shell.xsplice(["list", "--pid", String(p.pid), "--json"])
            #expect(l.status == 0 && !l.stdout.contains("fix"), "\(p.pid): \(l.stdout)\(l.stderr)")
            #expect(p.isAlive)
        }
        let otherCode = try FleetLiveTests.code(other.pid)
        let onDisk = try Shell.xsplice(["verify", "--pid", String(other.pid),
                                        try Corpus.payload(try Manifest("counter"), "fixA")])
        #expect(onDisk.status == 1 && onDisk.stdout.contains("foreign"), "\(onDisk.stdout)")
        #expect(try FleetLiveTests.code(other.pid) == otherCode)

        let status = watch.terminate()
        #expect(status == 0, "watch exit status \(String(describing: status)): \(watch.log)")
        #expect(watch.lines.last?.event == "stopped", "\(watch.log)")
        #expect(fresh.isAlive && freshLib.isAlive && early.isAlive)
    }

    @Test func aLibraryIsPatchedOnlyAfterTheLoaderHasFinished() throws {
        let lib = try copy("libuser", ["libuser", "libgreet.so.1"]) + "/libuser"
        #expect(try add(try Corpus.payload(try Manifest("libuser"), "fixA")).status == 0)
        let watch = try WatchProcess(["--store", store, "--json", "--verbose", "--exe", lib])
        defer { watch.stop() }
        #expect(watch.waitFor { $0.event == "started" } != nil, "\(watch.log)")
        let held = try HeldStartProcess(lib)
        defer { held.stop() }
        // While ld.so is held the watcher waits: no outcome, nothing written.
        usleep(1_500_000)
        #expect(watch.process(held.pid).isEmpty, "\(watch.log)")
        #expect(!held.output.contains("tick"), "the loader was not held: \(held.output)")
        held.release()
        #expect(held.waitFor("greet_id=501"), "\(held.output.suffix(300)) \(watch.log)")
        watch.waitFor { $0.event == "process" && $0.pid == held.pid }
        #expect(watch.process(held.pid).map(\.result) == ["applied"], "\(watch.log)")
        #expect(watch.terminate() == 0)
    }

    @Test func aForkedChildIsExaminedWithoutAnExec() throws {
        let prefork = try copy("prefork", ["prefork"]) + "/prefork"
        #expect(try add(try Corpus.payload(try Manifest("prefork"), "fixA")).status == 0)
        let watch = try WatchProcess(["--store", store, "--json", "--exe", prefork])
        defer { watch.stop() }
        #expect(watch.waitFor { $0.event == "started" } != nil, "\(watch.log)")
        let logs = Paths.tempDir("prefork-watch")
        let master = try LiveProcess(prefork, args: ["60", logs])
        var workers: [Int32] = []
        defer {
            master.stop()
            for w in workers { kill(w, SIGKILL) }
        }
        #expect(master.waitForTokens(["pf_a": "4101"], timeout: 20)["pf_a"] == "4101", "\(watch.log)")
        kill(master.pid, SIGUSR1)
        let deadline = Date().addingTimeInterval(20)
        while workers.isEmpty, Date() < deadline {
            workers = ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? [])
                .filter { $0.hasPrefix("worker-") }.compactMap { Int32($0.dropFirst("worker-".count)) }
            usleep(20_000)
        }
        let worker = try #require(workers.first, "no worker was forked")
        // No exec: only the fork event makes the watcher look at it. The
        // child inherited its parent's patch, and the worker says so.
        let line = watch.waitFor { $0.event == "process" && $0.pid == worker }
        #expect(line?.result == "unchanged" && line?.before == "applied", "\(watch.log)")
        let out = (try? String(contentsOfFile: logs + "/worker-\(worker)", encoding: .utf8)) ?? ""
        #expect(out.contains("pf_a=4101"), "\(out)")
        #expect(watch.terminate() == 0)
    }

    @Test func aStackedPayloadIsAppliedAfterItsBase() throws {
        let counter = try copy("counter", ["counter"]) + "/counter"
        let m = try Manifest("counter")
        let base = try Corpus.payload(m, "fixA")
        // Named to sort before its base: the order comes from --on-top-of.
        let stacked = dir + "/a-fixC.xsp"
        let b = try Shell.xsplice(["build", "--binary", m.binaryPath, "--object", m.dir + "/fixC.o", "--function",
                                   "compute_a", "--name", "a-fixC", "--on-top-of", base, "-o", stacked])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try add(stacked).status == 0 && add(base).status == 0)
        let watch = try WatchProcess(["--store", store, "--json", "--exe", counter])
        defer { watch.stop() }
        #expect(watch.waitFor { $0.event == "started" && $0.payloads == 2 } != nil, "\(watch.log)")
        let p = try LiveProcess(counter)
        defer { p.stop() }
        #expect(p.waitForTokens(["compute_a": "102"], timeout: 20)["compute_a"] == "102", "\(watch.log)")
        watch.waitFor { $0.event == "process" && $0.pid == p.pid && $0.payload == "a-fixC" }
        let lines = watch.process(p.pid)
        #expect(lines.map(\.payload) == ["counter-fixA", "a-fixC"] && lines.allSatisfy { $0.result == "applied" },
                "\(watch.log)")
        #expect(watch.terminate() == 0)
    }

    @Test func aPayloadAddedToTheStoreIsAppliedToRunningProcesses() throws {
        let counter = try copy("counter", ["counter"]) + "/counter"
        let running = try LiveProcess(counter)
        defer { running.stop() }
        try running.waitUntilRunning(timeout: 20)
        let watch = try WatchProcess(["--store", store, "--json", "--exe", counter])
        defer { watch.stop() }
        #expect(watch.waitFor { $0.event == "started" && $0.payloads == 0 } != nil, "\(watch.log)")
        #expect(running.waitForTokens(["compute_b": "200"])["compute_b"] == "200")
        // inotify, no signal: the store is read again and every process swept.
        let r = try add(try Corpus.payload(try Manifest("counter"), "fixB"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(running.waitForTokens(["compute_b": "201"], timeout: 20)["compute_b"] == "201", "\(watch.log)")
        watch.waitFor { $0.event == "process" && $0.pid == running.pid }
        #expect(watch.process(running.pid).map(\.result) == ["applied"], "\(watch.log)")
        #expect(watch.terminate() == 0)
    }

    @Test func pollingFindsNewProcessesWithoutTheConnector() throws {
        let counter = try copy("counter", ["counter"]) + "/counter"
        #expect(try add(try Corpus.payload(try Manifest("counter"), "fixA")).status == 0)
        let watch = try WatchProcess(["--store", store, "--json", "--poll", "0.2", "--exe", counter])
        defer { watch.stop() }
        #expect(watch.waitFor { $0.event == "started" } != nil, "\(watch.log)")
        let p = try LiveProcess(counter)
        defer { p.stop() }
        #expect(p.waitForTokens(["compute_a": "101"], timeout: 20)["compute_a"] == "101", "\(watch.log)")
        #expect(watch.terminate() == 0)
    }

    @Test func withoutTheConnectorWatchFailsClearly() throws {
        // The connector exists only in the host's network namespace.
        let r = try Shell.run("/usr/bin/unshare", ["-n", Paths.xsplice, "watch", "--store", store])
        #expect(r.status == 2 && r.stderr.contains("process-events connector is unavailable")
                && r.stderr.contains("--poll"), "\(r.status) \(r.stderr)")
    }
}
