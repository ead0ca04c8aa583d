import Hash
import OldCodeCheck
import Payload
import Target

/// The plan step's shared pieces: the registry snapshot a plan is made
/// from, the bytes each write rests on, the jump into new code, and the
/// registry slots encoded before the window.
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
                  into change: inout PlannedChange) throws -> Registry.Function {
        let site = PatchSite(oldBytes: f.oldBytes, entry: entry)
        let live = try target.read(site.patchAddress, count: Trampoline.jumpSize)
        guard let jump = site.jump(to: replacement.address) else {
            throw ApplierError.outOfRange(what: "the jump from \(f.displayName)")
        }
        change.writer.add(site.patchAddress, new: jump, old: live, label: f.displayName)
        change.guards += try guards(entry: entry, size: f.oldSize, label: f.displayName, registry: registry)
        return Registry.Function(displayName: f.displayName, oldSize: UInt64(f.oldSize), site: AppliedSite(
            payloadID: id, entryAddress: entry, patchAddress: site.patchAddress, savedBytes: saved ?? live,
                replacementAddress: replacement.address, replacementSize: replacement.size,
                replacementHash: replacement.hash,
            oldHash: f.oldHash))
    }

    /// Encodes, before the window, the three registry slots it may install:
    /// the journal, the committed registry and the registry as it was.
    func makePlan(_ snap: RegistrySnapshot, _ change: PlannedChange, mine: Journal?) throws -> WindowPlan {
        let (records, operation, freeWhenDone) = (change.records, change.operation, change.freeWhenDone)
        if let mine {
            guard snap.registry.journal?.nonce == mine.nonce else {
                throw ApplierError.journalTakenOver(operation: mine.operation)
            }
        } else if let j = snap.registry.journal {
            throw ApplierError.pendingOperation(j.operation)
        }
        var j = mine ?? Journal.fresh(operation, loaded: [])
        j.committed = true
        j.writes = change.writer.changes.map {
            .init(address: $0.address, old: $0.old, new: $0.new, function: $0.label)
        }
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
        // The generation is read from the target: a tampered one must not wrap.
        guard snap.generation <= UInt64.max - 2 else {
            throw ApplierError.registryCorrupt("generation \(snap.generation)")
        }
        return WindowPlan(
            base: snap.base, active: snap.active, generation: snap.generation, guards: change.guards,
            writer: change.writer,
            journalSlot: try store.prepare(journaled, generation: snap.generation + 1, slot: other),
            finalSlot: try store.prepare(
                Registry(records: records, journal: cleanup), generation: snap.generation + 2, slot: snap.active),
            // The registry as it was (with our pending load, if any), for a failed write.
            abortSlot: try store.prepare(snap.registry, generation: snap.generation + 2, slot: snap.active),
            cleanup: cleanup)
    }
}
