import Hash
import OldCodeCheck
import Payload
import Target

/// The shared skeleton of apply, revert and replace: snapshot the registry,
/// plan every write and guard while the process runs, then stop the world,
/// re-check the guards and execute the plan (journal, write, commit).
extension LiveSession {
    /// The registry as read before the window, with where it was found.
    struct RegistrySnapshot {
        let registry: Registry
        let active: UInt32
        let generation: UInt64
        let base: UInt64
    }

    func snapshot(at base: UInt64) throws -> RegistrySnapshot {
        let l = try store.load(at: base)
        return RegistrySnapshot(registry: l.registry, active: l.active, generation: l.generation, base: base)
    }

    /// The live bytes a function's state rests on: its whole body, and for
    /// `applied(Q)` Q's replacement code too.
    func guards(entry: UInt64, size: Int, label: String, registry: Registry) throws -> [WindowPlan.Guard] {
        var out = [WindowPlan.Guard(address: entry, bytes: try target.read(entry, count: size), label: label)]
        if let top = registry.stack(atEntry: entry).last {
            guard let n = Int(exactly: top.replacementSize), n <= AppliedCheck.maxReplacementSize else {
                throw ApplierError.registryCorrupt("\(label)'s replacement is recorded as \(top.replacementSize) bytes")
            }
            out.append(.init(address: top.replacementAddress, bytes: try target.read(top.replacementAddress, count: n),
                             label: "\(label)'s current replacement"))
        }
        return out
    }

    /// Plans the jump from one function into its new code: the write, the
    /// bytes it rests on, and the registry entry. `saved` overrides what the
    /// entry records as overwritten (a replace inherits the old payload's).
    func planJump(_ f: FunctionPatch, entry: UInt64, to replacement: (address: UInt64, size: UInt64, hash: Digest),
                  payload id: Digest, saved: [UInt8]?, registry: Registry,
                  writer: inout PatchWriter, guards: inout [WindowPlan.Guard]) throws -> Registry.Function {
        let site = PatchSite(oldBytes: f.oldBytes, entry: entry)
        let live = try target.read(site.patchAddress, count: Trampoline.jumpSize)
        guard let jump = site.jump(to: replacement.address) else {
            throw ApplierError.outOfRange(what: "the jump from \(f.displayName)")
        }
        writer.add(site.patchAddress, new: jump, old: live, label: f.displayName)
        guards += try self.guards(entry: entry, size: f.oldSize, label: f.displayName, registry: registry)
        return Registry.Function(displayName: f.displayName, oldSize: UInt64(f.oldSize), site: AppliedSite(
            payloadID: id, entryAddress: entry, patchAddress: site.patchAddress, savedBytes: saved ?? live,
                replacementAddress: replacement.address, replacementSize: replacement.size,
                replacementHash: replacement.hash,
            oldHash: f.oldHash))
    }

    func makePlan(_ snap: RegistrySnapshot, writer: PatchWriter, guards: [WindowPlan.Guard], records: [Registry.Record],
                  operation: String, mine: Journal?, freeWhenDone: [Journal.Region]) throws -> WindowPlan {
        if let mine {
            guard snap.registry.journal?.nonce == mine.nonce else {
                throw ApplierError.journalTakenOver(operation: mine.operation)
            }
        } else if let j = snap.registry.journal {
            throw ApplierError.pendingOperation(j.operation)
        }
        var j = mine ?? Journal.fresh(operation, loaded: [])
        j.committed = true
        j.writes = writer.changes.map { .init(address: $0.address, old: $0.old, new: $0.new, function: $0.label) }
        j.after = records
        j.freeWhenDone = freeWhenDone
        j.freeIfAbandoned = []
        var journaled = snap.registry
        journaled.journal = j
        var cleanup: Journal?
        if !freeWhenDone.isEmpty {
            var c = Journal.fresh("\(operation): freeing the old code", loaded: [])
            c.committed = true
            c.after = records
            c.freeWhenDone = freeWhenDone
            cleanup = c
        }
        let other: UInt32 = snap.active == 1 ? 0 : 1
        return WindowPlan(
            base: snap.base, active: snap.active, generation: snap.generation, guards: guards, writer: writer,
            journalSlot: try store.prepare(journaled, generation: snap.generation + 1, slot: other),
            finalSlot: try store.prepare(
                Registry(records: records, journal: cleanup), generation: snap.generation + 2, slot: snap.active),
            // The registry as it was (with our pending load, if any), for a failed write.
            abortSlot: try store.prepare(snap.registry, generation: snap.generation + 2, slot: snap.active),
            cleanup: cleanup)
    }

    /// Plans, stops the world and executes the plan. If inside the window the
    /// target is not what the plan was made from (another operator acted in
    /// between), the threads go again and the operation is judged afresh
    /// from what is there now, a few times at most.
    func runPlanned<R>(timeoutSeconds: Double, busy: () throws -> [BusyRange], waiter: ReturnWaiter? = nil,
                       plan: () throws -> (WindowPlan, R)) throws -> (StopWindow.Outcome<Journal?>, R) {
        var tries = 0
        while true {
            tries += 1
            var (p, extra) = try plan()
            do {
                let outcome = try StopWindow.run(target: target, timeoutSeconds: timeoutSeconds, busy: busy,
                                                 waiter: waiter) { _ in
                    try execute(&p)
                }
                return (outcome, extra)
            } catch ApplierError.stalePlan(let why) where tries < 4 {
                _ = why
                continue
            }
        }
    }

    /// Inside the window: the registry and every guarded byte must be as
    /// verified; then journal, write, and commit. Any failure before the
    /// commit undoes the writes.
    func execute(_ plan: inout WindowPlan) throws -> Journal? {
        let h = try store.header(at: plan.base)
        guard h.active == plan.active, h.generation == plan.generation else {
            throw ApplierError.stalePlan("the registry changed since the check")
        }
        let live = try target.readMany(plan.guards.map { ($0.address, $0.bytes.count) })
        for (g, bytes) in zip(plan.guards, live) where bytes != g.bytes {
            throw ApplierError.stalePlan("\(g.label) changed between the check and the stop")
        }
        try store.install(plan.journalSlot, at: plan.base)
        FaultInjection.point("journaled", target: target.pid)
        do {
            try plan.writer.commit { i in if i == 0 { FaultInjection.point("wrote-one", target: target.pid) } }
        } catch {
            do { try store.install(plan.abortSlot, at: plan.base) } catch {
                throw ApplierError.inconsistent(
                    "the writes were undone, but the registry still holds their journal: run `xsplice recover`")
            }
            throw error
        }
        FaultInjection.point("wrote-all", target: target.pid)
        do { try store.install(plan.finalSlot, at: plan.base) } catch {
            try plan.writer.rollback()
            try? store.install(plan.abortSlot, at: plan.base)
            throw error
        }
        FaultInjection.point("committed", target: target.pid)
        return plan.cleanup
    }
}
