import Hash
import OldCodeCheck
import Payload
import Target

extension LiveSession {
    /// The state NEW's function would find once OLD's jump is taken out:
    /// its live bytes with OLD's saved bytes put back, judged by the verifier
    /// against the registry without OLD.
    func stateAfterRevert(_ f: FunctionPatch, entry: UInt64, old: Registry.Record, reg: Registry,
                          verifier: Verifier) -> FunctionState {
        guard let mine = old.functions.first(where: { $0.site.entryAddress == entry }) else {
            return verifier.state(of: f).state
        }
        let site = PatchSite(oldBytes: f.oldBytes, entry: entry)
        let under = site.patchOffset..<(site.patchOffset + Trampoline.jumpSize)
        guard mine.site.patchAddress == site.patchAddress, mine.site.savedBytes.count == under.count else {
            return .foreign(.unknownJump(target: mine.site.replacementAddress))
        }
        guard var live = try? target.read(entry, count: f.oldSize), live.count >= under.upperBound else {
            return .foreign(.unreadable("\(f.displayName) at 0x\(String(entry, radix: 16))"))
        }
        live.replaceSubrange(under, with: mine.site.savedBytes)
        let rest = reg.stack(atEntry: entry).filter { $0.payloadID != old.id }
        return verifier.state(of: f, ifLive: live, stack: rest)
    }

    /// Reverts OLD and applies NEW in one stop window: no moment has neither
    /// active, and no moment has a half state.
    public func replace(_ oldKey: String, with file: PayloadFile, timeoutSeconds: Double = 5,
                        waitReturn: Bool = false) throws -> OperationResult {
        try exclusively(timeoutSeconds) {
            try whileAlive("replace") {
                try replaceUnguarded(oldKey, with: file, timeoutSeconds: timeoutSeconds, waitReturn: waitReturn)
            }
        }
    }

    func replaceUnguarded(_ oldKey: String, with file: PayloadFile, timeoutSeconds: Double,
                          waitReturn: Bool = false) throws -> OperationResult {
        let p = file.payload
        let module = try singleModule(p)
        try recoverPending(timeoutSeconds: timeoutSeconds)
        let first = try registry()
        let old = try first.find(oldKey)
        guard old.id != file.id else { throw ApplierError.badRequest("\(old.name) cannot replace itself") }
        try checkTop(old, in: first)
        let entries = p.functions.map { module.liveAddress($0.oldAddress) }
        let verifier = Verifier(target: target, registry: first)
        for (f, e) in zip(p.functions, entries) {
            let st = stateAfterRevert(f, entry: e, old: old, reg: first, verifier: verifier)
            guard f.accepts(st) else {
                throw ApplierError.notAccepted(payload: p.name, functions: [rejection(f, st, first)],
                                               when: .afterRevertOf(old.name))
            }
            try Patchability.check(f, entry: e, disassembler: disassembler)
        }
        let unwinder = try UnwindRegistrar.plan(p, target: target)
        let (code, frames) = try loadRegistered(p, module: module, unwinder: unwinder, timeoutSeconds: timeoutSeconds,
                                                operation: "replace \(old.name) with \(p.name)")
        var journal: Journal?
        let waiter = waitReturn ? try returnWaiter {
            self.functionRanges(of: old) + Self.busyRanges(p.functions, at: entries)
        } : nil
        do {
            journal = recordLoaded(code)
            let (outcome, rows) = try runPlanned(timeoutSeconds: timeoutSeconds, busy: {
                busyRanges(of: old) + Self.busyRanges(p.functions, at: entries)
            }, waiter: waiter) { () -> (WindowPlan, [OperationResult.Function]) in
                let snap = try snapshot(at: code.registryBase)
                let reg = snap.registry
                guard let cur = reg.records.first(where: { $0.id == old.id }) else {
                    throw ApplierError.notApplied(oldKey, applied: reg.records.map(\.name))
                }
                try checkTop(cur, in: reg)
                let v = Verifier(target: target, registry: reg)
                var writer = PatchWriter(memory: target)
                var sites: [Registry.Function] = []
                var rows: [OperationResult.Function] = []
                var guards: [WindowPlan.Guard] = []
                var handled = Set<UInt64>()
                for (i, f) in p.functions.enumerated() {
                    let st = stateAfterRevert(f, entry: entries[i], old: cur, reg: reg, verifier: v)
                    guard f.accepts(st) else {
                        throw ApplierError.notAccepted(payload: p.name, functions: [rejection(f, st, reg)],
                                                       when: .beforeWriting)
                    }
                    // Where OLD sat, NEW inherits what OLD had saved.
                    let inherited = cur.functions.first { $0.site.entryAddress == entries[i] }?.site.savedBytes
                    sites.append(
                        try planJump(
                            f, entry: entries[i], to: code.replacements[i], payload: file.id, saved: inherited,
                            registry: reg, writer: &writer, guards: &guards))
                    handled.insert(entries[i])
                    rows.append(
                        .init(
                            function: f.displayName, address: hex(entries[i]),
                            before: describe(v.state(of: f).state, reg), after: "applied(\(p.name))"))
                }
                let others = reg.records.filter { $0.id != cur.id }
                let derived = RegistryDerivedWrites(target: target)
                try derived.checkFreeable(
                    cur.regionAddress, cur.regionSize, records: others, label: "the new code of \(cur.name)",
                    unwind: cur.unwindFrames != nil)
                for fn in cur.functions where !handled.contains(fn.site.entryAddress) {
                    try derived.check(patchAddress: fn.site.patchAddress, bytes: fn.site.savedBytes, records: others,
                                      label: fn.displayName)
                    let live = try target.read(fn.site.patchAddress, count: Trampoline.jumpSize)
                    writer.add(fn.site.patchAddress, new: fn.site.savedBytes, old: live, label: fn.displayName)
                    guards += try self.guards(
                        entry: fn.site.entryAddress, size: try fn.checkedOldSize(), label: fn.displayName, registry: reg
                    )
                    rows.append(.init(function: fn.displayName, address: hex(fn.site.entryAddress),
                                      before: "applied(\(cur.name))", after: stateBeneath(fn, in: reg)))
                }
                let record = Registry.Record(id: file.id, name: p.name, appliedAtMicros: Self.wallMicros(),
                                             regionAddress: code.region, regionSize: code.size, functions: sites,
                                             unwindFrames: frames,
                                             variables: NewVariables.addresses(p, region: code.region),
                                             usesVariablesOf: NewVariables.owners(p))
                let plan = try makePlan(
                    snap, writer: writer, guards: guards, records: reg.records.filter { $0.id != cur.id } + [record],
                    operation: "replace \(cur.name) with \(p.name)", mine: journal,
                    freeWhenDone: [cur.region])
                return (plan, rows)
            }
            FaultInjection.point("resumed", target: target.pid)
            finishCleanup(outcome.value, base: code.registryBase)
            var r = result("replace", "replaced", file, rows, outcome)
            r.replaced = old.name
            r.unwind = Self.unwindNote(p, unwinder)
            r.region = hex(code.region)
            r.waited = waiter?.summary
            return r
        } catch {
            abandon(journal, code: code, unwindFrames: frames)
            throw error
        }
    }
}
