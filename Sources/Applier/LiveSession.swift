import Foundation
import Hash
import OldCodeCheck
import Payload
import Target

/// Live operations on one process. Apply, revert and replace are each one
/// transaction of the skeleton in LiveSession+Transaction.swift:
/// it either completes or leaves the target as it found it.
public final class LiveSession {
    public let target: any ProcessControl
    let store: RegistryStore
    private var loadedDisassembler: Disassembler?
    /// True while this session holds the process's operator lock.
    var holdsLock = false

    public convenience init(pid: Int32) throws {
        try self.init(target: try ProcessTarget(pid: pid))
    }

    /// Works on any controllable target: a live process, or a simulated one.
    public init(target: any ProcessControl) throws {
        self.target = target
        store = RegistryStore(target: target)
    }

    /// Capstone is loaded only by the operations that decode instructions.
    var disassembler: Disassembler {
        get throws {
            if let d = loadedDisassembler { return d }
            let d = try Disassembler()
            loadedDisassembler = d
            return d
        }
    }

    public func registry() throws -> Registry { try store.load() }

    public func verify(_ files: [PayloadFile]) throws -> [PayloadReport] {
        let v = Verifier(target: target, registry: try registry())
        for f in files { try v.checkModules(f) }
        return files.map { v.verify($0) }
    }

    // MARK: the transactions (steps in LiveSession+Transaction.swift)

    public func apply(_ file: PayloadFile, timeoutSeconds: Double = 5, dryRun: Bool = false,
                      waitReturn: Bool = false) throws -> OperationResult {
        try timingStops {
            try run(readOnly: dryRun, timeoutSeconds: timeoutSeconds, waitReturn: waitReturn) {
                try ApplyTransaction(file, dryRun: dryRun, in: self)
            }
        }
    }

    public func revert(_ nameOrID: String, timeoutSeconds: Double = 5,
                       waitReturn: Bool = false) throws -> OperationResult {
        try timingStops {
            try run(timeoutSeconds: timeoutSeconds, waitReturn: waitReturn) {
                RevertTransaction(session: self, key: nameOrID)
            }
        }
    }

    /// `revert --dry-run`: every check revert makes before it stops the
    /// threads, then the threads busy in that code right now as warnings.
    /// Writes nothing, takes no lock and finishes no interrupted operation,
    /// as `apply --dry-run`.
    public func revertDryRun(_ nameOrID: String, timeoutSeconds: Double = 5) throws -> OperationResult {
        try run(readOnly: true, timeoutSeconds: timeoutSeconds, waitReturn: false) {
            RevertTransaction(session: self, key: nameOrID, dryRun: true)
        }
    }

    /// Reverts OLD and applies NEW in one stop window.
    public func replace(_ oldKey: String, with file: PayloadFile, timeoutSeconds: Double = 5,
                        waitReturn: Bool = false) throws -> OperationResult {
        try timingStops {
            try run(timeoutSeconds: timeoutSeconds, waitReturn: waitReturn) {
                try ReplaceTransaction(oldKey, with: file, in: self)
            }
        }
    }

    /// Runs one operation with the target's stop ledger cleared, and reports
    /// its longest per-thread stop (see `StopLedger`). A simulated target has
    /// no ledger; its window is all it stops.
    func timingStops(_ body: () throws -> OperationResult) throws -> OperationResult {
        target.stopLedger?.reset()
        var r = try body()
        if let top = target.stopLedger?.longest {
            r.max_thread_stop_us = top.micros
            r.max_thread_stops = top.stops
        } else if r.pause_us > 0 {
            r.max_thread_stop_us = r.pause_us
            r.max_thread_stops = 1
        }
        return r
    }

    /// A target that dies mid-operation makes every later step fail; report
    /// that plainly rather than as a failed rollback: there is nothing left
    /// to be half-patched.
    func whileAlive<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            if !target.isAlive {
                // A write that could not be finished or undone in a process
                // that is gone leaves nothing inconsistent: say only what failed.
                let why: String
                if case ApplierError.inconsistent = error { why = "" } else { why = " (\(error))" }
                throw TargetError.exited(pid: target.pid, detail: "it ended during \(what)\(why)")
            }
            throw error
        }
    }

    // MARK: helpers shared by the transactions

    func singleModule(_ p: Payload) throws -> LoadedModule {
        guard p.modules.count == 1, let name = p.modules.first else {
            throw ApplierError.badRequest(
                "payload \(p.name) patches several modules " +
                    "(\(p.modules.map { $0.isEmpty ? "main" : $0 }.joined(separator: ", "))); build one payload per " +
                    "module"
            )
        }
        return try target.module(named: name)
    }

    /// The code of functions about to be patched, which no thread may be in.
    static func busyRanges(_ functions: [FunctionPatch], at entries: [UInt64]) -> [BusyRange] {
        // Saturating: an entry from a payload is verified before this runs,
        // but a range must never trap on an address near the top.
        zip(functions, entries).map { f, e in
            let (end, o) = e.addingReportingOverflow(UInt64(f.oldSize))
            return BusyRange(range: e..<(o ? .max : end), name: f.displayName)
        }
    }

    static func wallMicros() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }
}

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
