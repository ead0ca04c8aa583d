import Foundation
import Hash

extension Watcher {
    /// Applies payload by payload in stacking order, each over its
    /// processes in parallel workers; every outcome settles that process
    /// image for that payload.
    func apply(_ work: WatchWork) {
        for i in armed.indices {
            guard let targets = work.byPayload[i], !targets.isEmpty else { continue }
            let (p, copy) = armed[i]
            let runner = BatchRunner(operation: .apply(payloadPath: copy, dryRun: false),
                                     workers: max(1, config.workers), timeout: config.timeout,
                                     waitReturn: false, binary: config.binary)
            _ = runner.run(targets.sorted()) { o in
                guard let (image, start) = work.images[o.pid] else { return }
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
