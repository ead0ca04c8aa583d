import Payload
import Target

extension LiveSession {
    /// Loads a payload's code and, when the target has an unwinder for it,
    /// registers the code's unwind frames, all before the stop window and
    /// before the journal names the region: if xsplice dies in between, the
    /// region is leaked with its frames still valid, never freed under the
    /// unwinder. Returns the registered frames' address.
    func loadRegistered(_ p: Payload, module: LoadedModule, unwinder: UnwindRegistrar.Unwinder?,
                        timeoutSeconds: Double) throws -> (LoadedCode, UInt64?) {
        let code = try CodeLoader.load(p, module: module, target: target, registering: unwinder != nil)
        guard let u = unwinder, let frames = code.unwind else { return (code, nil) }
        do {
            try UnwindRegistrar.register(frames.frames, object: frames.object, with: u, target: target,
                                         timeoutSeconds: timeoutSeconds)
        } catch ApplierError.conflict(let why) where why.contains("did not record") {
            // Registered in some unknown way: it cannot be taken back safely, so the code stays.
            throw ApplierError.conflict(why)
        } catch {
            CodeLoader.unload(region: code.region, size: code.size, target: target)
            throw error
        }
        return (code, frames.frames)
    }

    /// What the result says about the new code's unwind information.
    static func unwindNote(_ p: Payload, _ unwinder: UnwindRegistrar.Unwinder?, dryRun: Bool = false) -> String? {
        guard p.sections.contains(where: { $0.kind == .unwindFrames }) else { return nil }
        guard let u = unwinder else {
            return "not registered: no unwinder is loaded in the target, so nothing there can walk through the new code yet"
        }
        return dryRun ? "would be registered with \(u.module)" : "registered with \(u.module)"
    }
}
