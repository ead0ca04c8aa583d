import Target

/// The window step: stop the world, re-check what the plan rests on, and
/// execute it (journal, write, commit), undoing the writes on any failure
/// before the commit.
extension LiveSession {
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
