import Payload
import Target

extension LiveSession {
    /// Loads a payload's code and, when the target has an unwinder for it,
    /// registers the code's unwind frames, before the stop window. The
    /// journal names the frames with the region before the registration, and
    /// whatever frees the region later deregisters them only if the
    /// unwinder's record in the region shows them registered: an xsplice
    /// killed at any point leaves neither freed frames listed by the unwinder
    /// nor a deregistration of frames it never had (which aborts libgcc).
    /// Returns the code and the registered frames' address.
    func loadRegistered(_ p: Payload, module: LoadedModule, unwinder: UnwindRegistrar.Unwinder?,
                        timeoutSeconds: Double, operation: String) throws -> (LoadedCode, UInt64?) {
        var code = try CodeLoader.load(p, module: module, target: target, operation: operation,
                                       registering: unwinder != nil)
        guard let u = unwinder, let frames = code.unwind else { return (code, nil) }
        do {
            code = try noteFrames(frames.frames, of: code)
            try UnwindRegistrar.register(frames.frames, object: frames.object, with: u, target: target,
                                         timeoutSeconds: timeoutSeconds)
        } catch {
            // A registration left running (overran, not undone) may still
            // write into the region: it stays mapped, with its journal, for `recover`.
            if case ApplierError.inconsistent = error { throw error }
            abandon(code, unwindFrames: frames.frames)
            throw error
        }
        return (code, frames.frames)
    }

    /// The pending journal, its loaded region now naming the frames.
    private func noteFrames(_ frames: UInt64, of code: LoadedCode) throws -> LoadedCode {
        let l = try store.load(at: code.registryBase)
        var reg = l.registry
        guard var j = reg.journal, j.nonce == code.journal.nonce else {
            throw ApplierError.journalTakenOver(operation: code.journal.operation)
        }
        j.freeIfAbandoned = j.freeIfAbandoned.map {
            $0.address == code.region ? Journal.Region(address: $0.address, size: $0.size, unwindFrames: frames) : $0
        }
        reg.journal = j
        try store.save(reg, at: code.registryBase, readAt: l.generation)
        return LoadedCode(region: code.region, size: code.size, registryBase: code.registryBase,
                          replacements: code.replacements, journal: j, unwind: code.unwind)
    }

    /// What the result says about the new code's unwind information.
    static func unwindNote(_ p: Payload, _ unwinder: UnwindRegistrar.Unwinder?, dryRun: Bool = false) -> String? {
        guard p.sections.contains(where: { $0.kind == .unwindFrames }) else { return nil }
        guard let u = unwinder else {
            return "not registered: no unwinder is loaded in the target, so nothing there can walk through the "
                + "new code yet"
        }
        return dryRun ? "would be registered with \(u.module)" : "registered with \(u.module)"
    }
}
