import Hash
import Target

extension LiveSession {
    /// On a refusal after loading: frees the code and clears its journal.
    func abandon(_ code: LoadedCode, unwindFrames: UInt64?) {
        CodeLoader.unload(region: code.region, size: code.size, unwindFrames: unwindFrames, target: target)
        guard let l = try? store.load(at: code.registryBase), var reg = Optional(l.registry),
              reg.journal?.nonce == code.journal.nonce else { return }
        reg.journal = nil
        try? store.save(reg, at: code.registryBase, readAt: l.generation)
    }

    /// After the window: frees the old code the journal names, then clears it.
    func finishCleanup(_ cleanup: Journal?, base: UInt64) {
        guard let cleanup else { return }
        for r in cleanup.freeWhenDone { CodeLoader.unload(r, target: target) }
        guard let l = try? store.load(at: base), var reg = Optional(l.registry), reg.journal?.nonce == cleanup.nonce
        else { return }
        reg.journal = nil
        try? store.save(reg, at: base, readAt: l.generation)
    }

    /// Finishes or abandons an operation that a dead xsplice left behind,
    /// holding the operator lock. Returns what it did, or nil when nothing
    /// was pending.
    @discardableResult
    public func recover(timeoutSeconds: Double = 5) throws -> String? {
        try exclusively(timeoutSeconds) {
            try whileAlive("recover") { try recoverPending(timeoutSeconds: timeoutSeconds) }
        }
    }

    /// Closes registry descriptors a killed xsplice left open, then deals
    /// with its journal.
    func recoverPending(timeoutSeconds: Double) throws -> String? {
        let closed = try target.closeLeftoverDescriptors(named: RegistryStore.memfdName,
                                                         timeoutSeconds: timeoutSeconds)
        let pending = try recoverJournal(timeoutSeconds: timeoutSeconds)
        guard closed > 0 else { return pending }
        let note = "closed \(closed) descriptor(s) of the registry's memfd that an interrupted xsplice left open"
        return pending.map { "\($0); \(note)" } ?? note
    }

    /// The journal is in the target's memory, so nothing in it is obeyed
    /// blindly: every write is derived again and checked (see
    /// `RegistryDerivedWrites`), and a region is freed only if it is code
    /// xsplice mapped that no remaining record uses.
    private func recoverJournal(timeoutSeconds: Double) throws -> String? {
        guard let base = try store.location() else { return nil }
        let loaded = try store.load(at: base)
        let reg = loaded.registry
        guard let j = reg.journal else { return nil }
        guard ownerGone(j) else {
            throw ApplierError.operationInProgress(pid: j.ownerPID, operation: j.operation)
        }
        let derived = RegistryDerivedWrites(target: target)
        if !j.committed {
            // No function was touched: only its loaded code is left to free.
            var freed = 0
            for r in j.freeIfAbandoned {
                // A region recorded before it was mapped may never have been.
                guard (try? derived.checkFreeable(r.address, r.size, records: reg.records, label: "code being freed",
                                                          unwind: r.unwindFrames != nil)) != nil
                else { continue }
                if CodeLoader.unload(r, target: target) { freed += 1 }
            }
            var clean = reg
            clean.journal = nil
            try store.save(clean, at: base, readAt: loaded.generation)
            return "abandoned the interrupted \(j.operation) (nothing had been written; \(freed) code region(s) freed)"
        }
        for w in j.writes {
            try derived.check(patchAddress: w.address, bytes: w.new, records: j.after, label: w.function)
        }
        for r in j.freeWhenDone {
            try derived.checkFreeable(
                r.address, r.size, records: j.after, label: "code being freed",
                unwind: r.unwindFrames != nil) }
        let outcome = try StopWindow.run(target: target, timeoutSeconds: timeoutSeconds, busy: {
            j.writes.map { BusyRange(range: $0.address..<($0.address + UInt64($0.new.count)), name: $0.function) }
                + j.freeWhenDone.map { $0.busy("code being freed") }
        }) { _ -> Int in
            let cur = try store.load(at: base)
            guard cur.registry.journal?.nonce == j.nonce, cur.generation == loaded.generation else {
                throw ApplierError.journalTakenOver(operation: j.operation)
            }
            var writer = PatchWriter(memory: target)
            for w in j.writes {
                let live = try target.read(w.address, count: w.new.count)
                if live == w.new { continue }
                guard live == w.old else {
                    throw ApplierError.journalForeign(function: w.function, address: w.address)
                }
                writer.add(w.address, new: w.new, old: w.old, label: w.function)
            }
            try writer.commit()
            try store.save(Registry(records: j.after, journal: nil), at: base, readAt: loaded.generation)
            return writer.changes.count
        }
        for r in j.freeWhenDone { CodeLoader.unload(r, target: target) }
        return
            "finished the interrupted \(j.operation): \(outcome.value) of \(j.writes.count) writes were missing " +
                "(pause \(outcome.pauseMicros) us)"
    }
}
