import Foundation
import Glibc
import Hash
import Applier
import CShims
import Target

extension Watcher {
    /// Looks at each process once: which stored payloads are for it (module
    /// and build-id, from /proc alone), whether its loader has finished, and
    /// then applies, payload by payload in stacking order, through workers.
    func handle(_ pids: [Int32]) {
        let me = getpid()
        var work: [Int: [Int32]] = [:]
        var images: [Int32: (WatchLedger.Image, UInt64)] = [:]
        for pid in Set(pids) where pid != me {
            pending.remove(pid)
            if !config.executables.isEmpty {
                guard let exe = Selection.executable(of: pid), config.executables.contains(exe) else { continue }
            }
            guard let parent = ProcStat.parent(of: pid), parent != me,
                  let start = try? ProcessIdentity.startTime(pid: pid) else { continue }
            // A vfork child (or any clone that shares its parent's memory)
            // has no memory of its own until it execs: it is its parent's.
            if parent > 1, xs_kcmp_vm(pid, parent) == 0 { continue }
            let image = ledger.image(of: pid, startTime: start, executable: ProcStat.executable(of: pid))
            let todo = armed.indices.filter { !ledger.isDone(pid, image, armed[$0].stored.id) }
            guard !todo.isEmpty, let snap = probe.snapshot(of: pid) else { continue }
            let age = ProcStat.age(startTicks: start)
            if !Self.startupOver(snap.startup, age: age) {
                if age < config.startupLimit { pending.insert(pid); continue }
                for i in todo {
                    ledger.markDone(pid, image, armed[i].stored.id)
                    report(pid, start, armed[i].stored, "skipped", "start-up did not finish within "
                        + "\(config.startupLimit) s (the loader has not protected the executable's RELRO); "
                        + "nothing written, run `xsplice apply --pid \(pid)` by hand")
                }
                continue
            }
            images[pid] = (image, start)
            for i in todo {
                let p = armed[i].stored
                switch ModuleProbe.match(p, in: snap.modules) {
                case .candidate:
                    work[i, default: []].append(pid)
                case .notMapped:
                    // Start-up is over, so every library it needs is mapped:
                    // this one is not (a later dlopen is not watched).
                    ledger.markDone(pid, image, p.id)
                    if config.verbose { report(pid, start, p, "skipped", "module \(p.moduleText) not mapped") }
                case let .otherBuild(file):
                    ledger.markDone(pid, image, p.id)
                    if otherBuilds.count >= 8192 { otherBuilds.removeAll() }
                    // Once per file and payload: for a main-executable
                    // payload every other program on the host is "another
                    // build", and a line per process would drown the log.
                    guard otherBuilds.insert(OtherBuild(path: file.path, inode: file.inode, payload: p.id)).inserted
                          || config.verbose else { continue }
                    let have = file.buildID.map { Hex.encode($0) } ?? "none"
                    let want = p.buildID.map { Hex.encode($0) } ?? "none"
                    report(pid, start, p, "skipped", "another build: \(file.path) has build-id \(have), "
                        + "the payload is for \(want); nothing written (logged once per file)")
                }
            }
        }
        for i in armed.indices {
            guard let targets = work[i], !targets.isEmpty else { continue }
            let (p, copy) = armed[i]
            let runner = BatchRunner(operation: .apply(payloadPath: copy, dryRun: false),
                                     workers: max(1, config.workers), timeout: config.timeout,
                                     waitReturn: false, binary: config.binary)
            _ = runner.run(targets.sorted()) { o in
                guard let (image, start) = images[o.pid] else { return }
                ledger.markDone(o.pid, image, p.id)
                var e = event(o.pid, start, p, o.result, o.reason)
                e.exe = o.exe
                e.before = o.before
                e.after = o.after
                e.pause_us = o.pause_us
                log(e)
            }
        }
    }

    static func startupOver(_ s: ModuleProbe.Startup, age: Double) -> Bool {
        switch s {
        case .done: return true
        case .loading: return false
        case .unknown: return age >= unknownStartupSettle
        }
    }

    func report(_ pid: Int32, _ start: UInt64, _ p: StoredPayload, _ result: String, _ reason: String) {
        var e = event(pid, start, p, result, reason)
        e.exe = Selection.executable(of: pid)
        log(e)
    }

    func event(_ pid: Int32, _ start: UInt64, _ p: StoredPayload, _ result: String, _ reason: String?) -> WatchEvent {
        var e = WatchEvent("process", pid: pid, payload: p.name, payloadID: p.id.hex, reason: reason)
        e.result = result
        e.age_ms = UInt64(ProcStat.age(startTicks: start) * 1000)
        return e
    }
}
