import Hash
import Target

extension LiveSession {
    /// Before the stop window: records the freshly loaded code, so that if
    /// xsplice dies now the next command frees it.
    func recordLoaded(_ operation: String, code: LoadedCode, unwindFrames: UInt64?) throws -> Journal {
        var reg = try store.load(at: code.registryBase).registry
        if let j = reg.journal {
            throw ApplierError.conflict("another operation is pending in this process (\(j.operation)); run `xsplice recover`")
        }
        let j = Journal.fresh(operation, loaded: [.init(address: code.region, size: code.size, unwindFrames: unwindFrames)])
        reg.journal = j
        try store.save(reg, at: code.registryBase)
        FaultInjection.point("loaded", target: target.pid)
        return j
    }

    /// On a refusal after loading: frees the code and clears our journal.
    func abandon(_ journal: Journal?, code: LoadedCode, unwindFrames: UInt64?) {
        CodeLoader.unload(region: code.region, size: code.size, unwindFrames: unwindFrames, target: target)
        guard let journal, var reg = try? store.load(at: code.registryBase).registry,
              reg.journal?.nonce == journal.nonce else { return }
        reg.journal = nil
        try? store.save(reg, at: code.registryBase)
    }

    /// After the window: frees the old code the journal names, then clears it.
    func finishCleanup(_ cleanup: Journal?, base: UInt64) {
        guard let cleanup else { return }
        for r in cleanup.freeWhenDone { CodeLoader.unload(r, target: target) }
        guard var reg = try? store.load(at: base).registry, reg.journal?.nonce == cleanup.nonce else { return }
        reg.journal = nil
        try? store.save(reg, at: base)
    }

    /// Finishes or abandons an operation that a dead xsplice left behind.
    /// Returns what it did, or nil when nothing was pending.
    @discardableResult
    public func recover(timeoutSeconds: Double = 5) throws -> String? {
        guard let base = try store.location() else { return nil }
        let reg = try store.load(at: base).registry
        guard let j = reg.journal else { return nil }
        if j.ownerAlive {
            throw ApplierError.conflict("xsplice (PID \(j.ownerPID)) is in the middle of \(j.operation); retry when it is done")
        }
        if !j.committed {
            // No function was touched: only its loaded code is left to free.
            for r in j.freeIfAbandoned { CodeLoader.unload(r, target: target) }
            var clean = reg
            clean.journal = nil
            try store.save(clean, at: base)
            return "abandoned the interrupted \(j.operation) (nothing had been written; its code was freed)"
        }
        let outcome = try StopWindow.run(target: target, timeoutSeconds: timeoutSeconds, busy: {
            j.writes.map { BusyRange(range: $0.address..<($0.address + UInt64($0.new.count)), name: $0.function) }
                + j.freeWhenDone.map { BusyRange(range: $0.address..<($0.address + $0.size), name: "code being freed") }
        }) { _ -> Int in
            let cur = try store.load(at: base).registry
            guard cur.journal?.nonce == j.nonce else {
                throw ApplierError.conflict("the pending operation changed while waiting; run recover again")
            }
            var writer = PatchWriter(memory: target)
            for w in j.writes {
                let live = try target.read(w.address, count: w.new.count)
                if live == w.new { continue }
                guard live == w.old else {
                    throw ApplierError.conflict("\(w.function) holds neither its old nor its new bytes (foreign); the journal is kept for inspection")
                }
                writer.add(w.address, new: w.new, old: w.old, label: w.function)
            }
            try writer.commit()
            try store.save(Registry(records: j.after, journal: nil), at: base)
            return writer.changes.count
        }
        for r in j.freeWhenDone { CodeLoader.unload(r, target: target) }
        return "finished the interrupted \(j.operation): \(outcome.value) of \(j.writes.count) writes were missing (pause \(outcome.pauseMicros) us)"
    }
}
