import Foundation
import Glibc
import Hash
import Applier
import CShims
import Target

/// The payloads each process is to get, gathered before any is applied.
struct WatchWork {
    /// Processes by index into `Watcher.armed`.
    var byPayload: [Int: [Int32]] = [:]
    var images: [Int32: (image: WatchLedger.Image, start: UInt64)] = [:]
}

extension Watcher {
    /// Looks at each process once: which stored payloads are for it (module
    /// and build-id, from /proc alone), whether its loader has finished, and
    /// then applies, payload by payload in stacking order, through workers.
    func handle(_ pids: [Int32]) {
        var work = WatchWork()
        let me = getpid()
        for pid in Set(pids) where pid != me { consider(pid, into: &work) }
        apply(work)
    }

    /// Sorts one process: into `work` for each payload it is a candidate
    /// for; otherwise settled in the ledger (and logged), or left pending
    /// while its loader works.
    func consider(_ pid: Int32, into work: inout WatchWork) {
        pending.remove(pid)
        if !config.executables.isEmpty {
            guard let exe = Selection.executable(of: pid), config.executables.contains(exe) else { return }
        }
        guard let parent = ProcStat.parent(of: pid), parent != getpid(),
              let start = try? ProcessIdentity.startTime(pid: pid) else { return }
        // A vfork child (or any clone that shares its parent's memory)
        // has no memory of its own until it execs: it is its parent's.
        if parent > 1, xs_kcmp_vm(pid, parent) == 0 { return }
        let image = ledger.image(of: pid, startTime: start, executable: ProcStat.executable(of: pid))
        let todo = armed.indices.filter { !ledger.isDone(pid, image, armed[$0].stored.id) }
        guard !todo.isEmpty, let snap = probe.snapshot(of: pid) else { return }
        let age = ProcStat.age(startTicks: start)
        if !Self.startupOver(snap.startup, age: age) {
            if age < config.startupLimit { pending.insert(pid); return }
            for i in todo {
                ledger.markDone(pid, image, armed[i].stored.id)
                report(pid, start, armed[i].stored, "skipped", "start-up did not finish within "
                    + "\(config.startupLimit) s (the loader has not protected the executable's RELRO); "
                    + "nothing written, run `xsplice apply --pid \(pid)` by hand")
            }
            return
        }
        work.images[pid] = (image, start)
        for i in todo {
            let p = armed[i].stored
            switch ModuleProbe.match(p, in: snap.modules) {
            case .candidate:
                work.byPayload[i, default: []].append(pid)
            case .notMapped:
                // Start-up is over, so every library it needs is mapped:
                // this one is not (a later dlopen is not watched).
                ledger.markDone(pid, image, p.id)
                if config.verbose { report(pid, start, p, "skipped", "module \(p.moduleText) not mapped") }
            case let .otherBuild(file):
                ledger.markDone(pid, image, p.id)
                reportOtherBuild(pid, start, p, file)
            }
        }
    }

    /// Once per file and payload: for a main-executable payload every other
    /// program on the host is "another build", and a line per process would
    /// drown the log.
    func reportOtherBuild(_ pid: Int32, _ start: UInt64, _ p: StoredPayload, _ file: ModuleProbe.Mapped) {
        if otherBuilds.count >= 8192 { otherBuilds.removeAll() }
        guard otherBuilds.insert(OtherBuild(path: file.path, inode: file.inode, payload: p.id)).inserted
              || config.verbose else { return }
        let have = file.buildID.map { Hex.encode($0) } ?? "none"
        let want = p.buildID.map { Hex.encode($0) } ?? "none"
        report(pid, start, p, "skipped", "another build: \(file.path) has build-id \(have), "
            + "the payload is for \(want); nothing written (logged once per file)")
    }
}
