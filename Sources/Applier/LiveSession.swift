import Foundation
import Hash
import OldCodeCheck
import Payload
import Target

/// Live operations on one process. Each public method is one transaction:
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

    // MARK: apply

    public func apply(_ file: PayloadFile, timeoutSeconds: Double = 5, dryRun: Bool = false,
                      waitReturn: Bool = false) throws -> OperationResult {
        try exclusively(timeoutSeconds, unless: dryRun) {
            try whileAlive("apply") {
                try applyUnguarded(file, timeoutSeconds: timeoutSeconds, dryRun: dryRun, waitReturn: waitReturn)
            }
        }
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

    func applyUnguarded(_ file: PayloadFile, timeoutSeconds: Double, dryRun: Bool,
                        waitReturn: Bool = false) throws -> OperationResult {
        let p = file.payload
        // A bad module is bad input, found before anything is judged.
        let module = try singleModule(p)
        if !dryRun { try recoverPending(timeoutSeconds: timeoutSeconds) }
        let registry = try self.registry()
        let report = Verifier(target: target, registry: registry).verify(file)
        if report.verdict == .applied, registry.records.contains(where: { $0.id == file.id }) {
            return result(
                "apply", "already applied", file, report.functions.map { row($0, after: "applied(\(p.name))") })
        }
        guard report.verdict == .applicable else {
            throw ApplierError.notAccepted(payload: p.name, functions: Self.rejections(report), when: .beforeLoading)
        }
        let entries = p.functions.map { module.liveAddress($0.oldAddress) }
        for (f, e) in zip(p.functions, entries) { try Patchability.check(f, entry: e, disassembler: disassembler) }
        if dryRun {
            var r = result("apply", "would apply (dry run, nothing written)", file,
                           report.functions.map { row($0, after: "applied(\(p.name))") })
            r.bindings = try bindings(p, module: module)
            r.unwind = Self.unwindNote(p, try UnwindRegistrar.plan(p, target: target), dryRun: true)
            r.warnings = busyWarnings(Self.busyRanges(p.functions, at: entries), timeoutSeconds: timeoutSeconds)
            return r
        }

        let unwinder = try UnwindRegistrar.plan(p, target: target)
        let (code, frames) = try loadRegistered(p, module: module, unwinder: unwinder, timeoutSeconds: timeoutSeconds,
                                                operation: "apply \(p.name)")
        var journal: Journal?
        let waiter = waitReturn ? try returnWaiter { Self.busyRanges(p.functions, at: entries) } : nil
        do {
            journal = recordLoaded(code)
            let (outcome, rows) = try runPlanned(timeoutSeconds: timeoutSeconds, busy: {
                Self.busyRanges(p.functions, at: entries)
            }, waiter: waiter) { () -> (WindowPlan, [OperationResult.Function]) in
                // Everything but the comparison and the writes happens here,
                // before the threads are stopped.
                let snap = try snapshot(at: code.registryBase)
                let v = Verifier(target: target, registry: snap.registry)
                var writer = PatchWriter(memory: target)
                var sites: [Registry.Function] = []
                var rows: [OperationResult.Function] = []
                var guards: [WindowPlan.Guard] = []
                for (i, f) in p.functions.enumerated() {
                    let st = v.state(of: f).state
                    guard f.accepts(st) else {
                        throw ApplierError.notAccepted(payload: p.name, functions: [rejection(f, st, snap.registry)],
                                                       when: .beforeWriting)
                    }
                    sites.append(
                        try planJump(
                            f, entry: entries[i], to: code.replacements[i], payload: file.id, saved: nil,
                            registry: snap.registry, writer: &writer, guards: &guards))
                    rows.append(
                        .init(
                            function: f.displayName, address: hex(entries[i]), before: describe(st, snap.registry),
                            after: "applied(\(p.name))"))
                }
                let record = Registry.Record(id: file.id, name: p.name, appliedAtMicros: Self.wallMicros(),
                                             regionAddress: code.region, regionSize: code.size, functions: sites,
                                             unwindFrames: frames,
                                             variables: NewVariables.addresses(p, region: code.region),
                                             usesVariablesOf: NewVariables.owners(p))
                let plan = try makePlan(snap, writer: writer, guards: guards, records: snap.registry.records + [record],
                                        operation: "apply \(p.name)", mine: journal, freeWhenDone: [])
                return (plan, rows)
            }
            FaultInjection.point("resumed", target: target.pid)
            var r = result("apply", "applied", file, rows, outcome)
            r.unwind = Self.unwindNote(p, unwinder)
            r.region = hex(code.region)
            r.waited = waiter?.summary
            return r
        } catch {
            abandon(journal, code: code, unwindFrames: frames)
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

    /// The functions of a report whose state the payload does not accept.
    static func rejections(_ r: PayloadReport) -> [ApplierError.Rejection] {
        r.functions.filter { !$0.accepted }.map { row in
            var reason: ForeignReason?
            if case let .foreign(why) = row.state { reason = why }
            return .init(function: row.function.displayName,
                         found: row.stateName.map { "applied(\($0))" } ?? row.state.description,
                         reason: reason, accepted: row.function.accepts.map(\.description))
        }
    }

    func rejection(_ f: FunctionPatch, _ st: FunctionState, _ reg: Registry) -> ApplierError.Rejection {
        var reason: ForeignReason?
        if case let .foreign(why) = st { reason = why }
        return .init(
            function: f.displayName, found: describe(st, reg), reason: reason, accepted: f.accepts.map(\.description))
    }

    func describe(_ st: FunctionState, _ reg: Registry) -> String {
        if case let .applied(id) = st { return "applied(\(reg.payloadName(id) ?? id.shortHex))" }
        return st.description
    }

    func row(_ f: FunctionReport, after: String) -> OperationResult.Function {
        .init(
            function: f.function.displayName, address: f.address.map(hex) ?? "-",
            before: f.stateName.map { "applied(\($0))" } ?? f.state.description, after: after)
    }

    func result<T>(_ action: String, _ outcome: String, _ file: PayloadFile, _ rows: [OperationResult.Function],
                   _ w: StopWindow.Outcome<T>) -> OperationResult {
        OperationResult(action: action, outcome: outcome, payload: file.payload.name, id: file.id.hex, replaced: nil,
            functions: rows, pause_us: w.pauseMicros, phases_us: w.phases, attempts: w.attempts, threads: w.threads,
            region: nil)
    }

    /// A result for an operation that stopped no thread.
    func result(
        _ action: String, _ outcome: String, _ file: PayloadFile, _ rows: [OperationResult.Function]
    ) -> OperationResult {
        OperationResult(action: action, outcome: outcome, payload: file.payload.name, id: file.id.hex, replaced: nil,
                        functions: rows, pause_us: 0, phases_us: nil, attempts: 0, threads: 0, region: nil)
    }

    static func wallMicros() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }
}

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
