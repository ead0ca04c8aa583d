import Target

/// The one skeleton of apply, revert and replace. Its steps, in order, and
/// what a failure at each one undoes:
///
/// | step | what happens | a failure undoes |
/// |---|---|---|
/// | lock | the process's operator lock (none for a dry run) | nothing: nothing is held |
/// | input | the transaction made from the request (bad input) | nothing |
/// | recover | a journal a dead xsplice left, finished or abandoned | its own window, inside it |
/// | read | the registry as it is now | nothing |
/// | check | the transaction judges it, writing nothing | nothing |
/// | prepare | new code mapped and loaded, named by a journal first | that code freed, the journal cleared |
/// | plan | every write and the bytes it rests on, from a fresh snapshot | as for prepare |
/// | window | threads stopped, plan re-checked, journal, writes, commit | writes rolled back; as for prepare |
/// | resume | every thread runs again | (the window resumes on every path) |
/// | release | code taken out freed, its journal cleared | best effort: `recover` finishes it |
/// | unlock | the operator lock released | (on every path) |
///
/// A target that dies at any step is reported as gone, not as a failed
/// rollback (`whileAlive`).
extension LiveSession {
    func run<T: Transaction>(readOnly: Bool = false, timeoutSeconds: Double, waitReturn: Bool,
                             _ input: () throws -> T) throws -> OperationResult {
        try exclusively(timeoutSeconds, unless: readOnly) {
            try whileAlive(T.verb) {
                let t = try input()
                if !readOnly { _ = try recoverPending(timeoutSeconds: timeoutSeconds) }
                let checked: T.Checked
                switch try t.check(try registry(), timeoutSeconds: timeoutSeconds) {
                case let .done(result): return result
                case let .proceed(c): checked = c
                }
                let code = try t.prepare(checked) { try prepare($0, timeoutSeconds: timeoutSeconds) }
                do {
                    return try write(t, checked, code: code, timeoutSeconds: timeoutSeconds, waitReturn: waitReturn)
                } catch {
                    // After a failed rollback a jump may still lead into the
                    // new code: it stays mapped, and its journal stays for
                    // `recover`, which frees only what nothing reaches.
                    if case ApplierError.inconsistent = error { throw error }
                    if let l = t.loaded(code) { abandon(l.code, unwindFrames: l.frames) }
                    throw error
                }
            }
        }
    }

    /// Prepare: maps and loads the new code (the journal names it before it
    /// is mapped, so that a killed xsplice leaves it for `recover` to free).
    private func prepare(_ r: CodeRequest, timeoutSeconds: Double) throws -> PreparedCode {
        let unwinder = try UnwindRegistrar.plan(r.payload, target: target)
        let (code, frames) = try loadRegistered(r.payload, module: r.module, unwinder: unwinder,
                                                timeoutSeconds: timeoutSeconds, operation: r.operation)
        FaultInjection.point("loaded", target: target.pid)
        return PreparedCode(code: code, unwinder: unwinder, frames: frames)
    }

    /// Plan, window, resume and release.
    private func write<T: Transaction>(_ t: T, _ c: T.Checked, code: T.Code, timeoutSeconds: Double,
                                       waitReturn: Bool) throws -> OperationResult {
        let loaded = t.loaded(code)
        guard let base = try loaded?.code.registryBase ?? store.location() else {
            throw ApplierError.registryCorrupt("registry mapping vanished")
        }
        let busy = t.busy(c)
        let followed = t.followed(c)
        let waiter = waitReturn ? try returnWaiter { followed } : nil
        let (outcome, rows) = try runPlanned(timeoutSeconds: timeoutSeconds, busy: { busy }, waiter: waiter) {
            let snap = try snapshot(at: base)
            let change = try t.plan(c, snap, code: code)
            return (try makePlan(snap, change, mine: loaded?.journal), change.rows)
        }
        FaultInjection.point("resumed", target: target.pid)
        // No thread was in the code taken out when its jumps went away, and
        // none can enter it now, so it can go.
        finishCleanup(outcome.value, base: base)
        var r = t.report(c, rows: rows, outcome: outcome, code: code)
        r.waited = waiter?.summary
        return r
    }
}
