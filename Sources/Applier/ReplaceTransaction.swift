import OldCodeCheck
import Payload
import Target

/// Replace as steps of the transaction skeleton: OLD taken out and NEW
/// applied in one stop window, so that no moment has neither active and
/// none has a half state. NEW's functions are judged as OLD's revert would
/// leave them.
struct ReplaceTransaction: Transaction {
    static let verb = "replace"
    let session: LiveSession
    /// OLD's name or ID, as the operator gave it.
    let key: String
    let file: PayloadFile
    let module: LoadedModule
    let entries: [UInt64]

    var payload: Payload { file.payload }

    init(_ key: String, with file: PayloadFile, in session: LiveSession) throws {
        self.session = session
        self.key = key
        self.file = file
        module = try session.singleModule(file.payload)
        entries = file.payload.functions.map { [module] in module.liveAddress($0.oldAddress) }
    }

    func check(_ reg: Registry, timeoutSeconds _: Double) throws -> TransactionVerdict<Registry.Record> {
        let old = try reg.find(key)
        guard old.id != file.id else { throw ApplierError.badRequest("\(old.name) cannot replace itself") }
        try session.checkTop(old, in: reg)
        let verifier = Verifier(target: session.target, registry: reg)
        for (f, e) in zip(payload.functions, entries) {
            let st = stateAfterRevert(f, entry: e, old: old, reg: reg, verifier: verifier)
            guard f.accepts(st) else {
                throw ApplierError.notAccepted(payload: payload.name, functions: [session.rejection(f, st, reg)],
                                               when: .afterRevertOf(old.name))
            }
            try Patchability.check(f, entry: e, disassembler: session.disassembler)
        }
        return .proceed(old)
    }

    func prepare(_ old: Registry.Record, load: (CodeRequest) throws -> PreparedCode) throws -> PreparedCode {
        try load(CodeRequest(payload: payload, module: module, operation: "replace \(old.name) with \(payload.name)"))
    }

    func busy(_ old: Registry.Record) -> [BusyRange] {
        session.busyRanges(of: old) + LiveSession.busyRanges(payload.functions, at: entries)
    }

    func followed(_ old: Registry.Record) -> [BusyRange] {
        session.functionRanges(of: old) + LiveSession.busyRanges(payload.functions, at: entries)
    }

    func plan(_ old: Registry.Record, _ snap: LiveSession.RegistrySnapshot, code: PreparedCode) throws
        -> PlannedChange {
        let s = session
        let reg = snap.registry
        let cur = try s.current(old, key: key, in: reg)
        let v = Verifier(target: s.target, registry: reg)
        var change = PlannedChange("replace \(cur.name) with \(payload.name)", memory: s.target)
        var sites: [Registry.Function] = []
        for (i, f) in payload.functions.enumerated() {
            let st = stateAfterRevert(f, entry: entries[i], old: cur, reg: reg, verifier: v)
            guard f.accepts(st) else {
                throw ApplierError.notAccepted(payload: payload.name, functions: [s.rejection(f, st, reg)],
                                               when: .beforeWriting)
            }
            // Where OLD sat, NEW inherits what OLD had saved.
            let inherited = cur.functions.first { $0.site.entryAddress == entries[i] }?.site.savedBytes
            sites.append(try s.planJump(f, entry: entries[i], to: code.code.replacements[i], payload: file.id,
                                        saved: inherited, registry: reg, into: &change))
            change.rows.append(.init(function: f.displayName, address: hex(entries[i]),
                                     before: s.describe(v.state(of: f).state, reg), after: "applied(\(payload.name))"))
        }
        try s.planTakeOut(cur, skipping: Set(entries), registry: reg, into: &change)
        change.records = reg.records.filter { $0.id != cur.id } + [code.record(of: file, functions: sites)]
        return change
    }

    func report(_ old: Registry.Record, rows: [OperationResult.Function], outcome: StopWindow.Outcome<Journal?>,
                code: PreparedCode) -> OperationResult {
        var r = session.result("replace", "replaced", file, rows, outcome)
        r.replaced = old.name
        r.unwind = LiveSession.unwindNote(payload, code.unwinder)
        r.region = hex(code.code.region)
        return r
    }

    /// The state NEW's function would find once OLD's jump is taken out:
    /// its live bytes with OLD's saved bytes put back, judged by the verifier
    /// against the registry without OLD.
    private func stateAfterRevert(_ f: FunctionPatch, entry: UInt64, old: Registry.Record, reg: Registry,
                                  verifier: Verifier) -> FunctionState {
        guard let mine = old.functions.first(where: { $0.site.entryAddress == entry }) else {
            return verifier.state(of: f).state
        }
        let site = PatchSite(oldBytes: f.oldBytes, entry: entry)
        let under = site.patchOffset..<(site.patchOffset + Trampoline.jumpSize)
        guard mine.site.patchAddress == site.patchAddress, mine.site.savedBytes.count == under.count else {
            return .foreign(.unknownJump(target: mine.site.replacementAddress))
        }
        guard var live = try? session.target.read(entry, count: f.oldSize), live.count >= under.upperBound else {
            return .foreign(.unreadable("\(f.displayName) at 0x\(String(entry, radix: 16))"))
        }
        live.replaceSubrange(under, with: mine.site.savedBytes)
        let rest = reg.stack(atEntry: entry).filter { $0.payloadID != old.id }
        return verifier.state(of: f, ifLive: live, stack: rest)
    }
}
