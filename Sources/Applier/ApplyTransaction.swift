import OldCodeCheck
import Payload
import Target

/// Apply as steps of the transaction skeleton: every function in a state
/// the payload accepts, then a jump from each entry into the loaded code.
struct ApplyTransaction: Transaction {
    static let verb = "apply"
    let session: LiveSession
    let file: PayloadFile
    let module: LoadedModule
    /// Each function's live entry, in payload order.
    let entries: [UInt64]
    let dryRun: Bool

    var payload: Payload { file.payload }

    /// Input: a payload for several modules is bad input, found before
    /// anything is judged.
    init(_ file: PayloadFile, dryRun: Bool, in session: LiveSession) throws {
        self.session = session
        self.file = file
        self.dryRun = dryRun
        module = try session.singleModule(file.payload)
        entries = file.payload.functions.map { [module] in module.liveAddress($0.oldAddress) }
    }

    func check(_ reg: Registry, timeoutSeconds: Double) throws -> TransactionVerdict<Void> {
        let s = session
        let report = Verifier(target: s.target, registry: reg).verify(file)
        let after = "applied(\(payload.name))"
        if report.verdict == .applied, reg.records.contains(where: { $0.id == file.id }) {
            return .done(s.result("apply", "already applied", file, report.functions.map { s.row($0, after: after) }))
        }
        guard report.verdict == .applicable else {
            throw ApplierError.notAccepted(payload: payload.name, functions: LiveSession.rejections(report),
                                           when: .beforeLoading)
        }
        for (f, e) in zip(payload.functions, entries) {
            try Patchability.check(f, entry: e, disassembler: s.disassembler)
        }
        guard dryRun else { return .proceed(()) }
        var r = s.result("apply", "would apply (dry run, nothing written)", file,
                         report.functions.map { s.row($0, after: after) })
        r.bindings = try s.bindings(payload, module: module)
        r.unwind = LiveSession.unwindNote(payload, try UnwindRegistrar.plan(payload, target: s.target), dryRun: true)
        r.warnings = s.busyWarnings(busy(()), timeoutSeconds: timeoutSeconds)
        return .done(r)
    }

    func prepare(_: Void, load: (CodeRequest) throws -> PreparedCode) throws -> PreparedCode {
        try load(CodeRequest(payload: payload, module: module, operation: "apply \(payload.name)"))
    }

    func busy(_: Void) -> [BusyRange] { LiveSession.busyRanges(payload.functions, at: entries) }

    func followed(_: Void) -> [BusyRange] { busy(()) }

    /// The states again, from the snapshot the window will re-check.
    func plan(_: Void, _ snap: LiveSession.RegistrySnapshot, code: PreparedCode) throws -> PlannedChange {
        let s = session
        let v = Verifier(target: s.target, registry: snap.registry)
        var change = PlannedChange("apply \(payload.name)", memory: s.target)
        var sites: [Registry.Function] = []
        for (i, f) in payload.functions.enumerated() {
            let st = v.state(of: f).state
            guard f.accepts(st) else {
                throw ApplierError.notAccepted(payload: payload.name, functions: [s.rejection(f, st, snap.registry)],
                                               when: .beforeWriting)
            }
            sites.append(try s.planJump(f, entry: entries[i], to: code.code.replacements[i], payload: file.id,
                                        saved: nil, registry: snap.registry, into: &change))
            change.rows.append(.init(function: f.displayName, address: hex(entries[i]),
                                     before: s.describe(st, snap.registry), after: "applied(\(payload.name))"))
        }
        change.records = snap.registry.records + [code.record(of: file, functions: sites)]
        return change
    }

    func report(_: Void, rows: [OperationResult.Function], outcome: StopWindow.Outcome<Journal?>,
                code: PreparedCode) -> OperationResult {
        var r = session.result("apply", "applied", file, rows, outcome)
        r.unwind = LiveSession.unwindNote(payload, code.unwinder)
        r.region = hex(code.code.region)
        return r
    }
}
