import Hash
import OldCodeCheck
import Payload
import Target

extension LiveSession {
    /// Checks that `record` is on top of every function it patched and that
    /// live memory proves it there (jump, replacement and body).
    func checkTop(_ record: Registry.Record, in reg: Registry) throws {
        for fn in record.functions {
            switch try standing(of: record, at: fn, in: reg) {
            case .intact: continue
            case let .covered(by: top):
                throw ApplierError.coveredBy(payload: reg.payloadName(top) ?? top.shortHex, function: fn.displayName)
            case .notRecorded:
                throw ApplierError.registryCorrupt(
                    "\(record.name) lists \(fn.displayName) but no record of it is found there")
            case let .foreign(why):
                throw ApplierError.foreign(function: fn.displayName, payload: record.name, reason: why)
            }
        }
        try checkNothingJumpsInto(record, in: reg)
    }

    /// Taking `record` out frees its code: no other recorded entry may jump
    /// into it, or that function would run into unmapped memory.
    func checkNothingJumpsInto(_ record: Registry.Record, in reg: Registry) throws {
        try NewVariables.checkUnused(record, in: reg)
        let region = record.regionAddress..<(record.regionAddress + record.regionSize)
        // Its own entries get their saved bytes back; a payload beneath it
        // there holds the same jump only as far as the registry knows.
        let own = Set(record.functions.map(\.site.entryAddress))
        for other in reg.records where other.id != record.id {
            for fn in other.functions where !own.contains(fn.site.entryAddress) {
                let live = try target.read(fn.site.patchAddress, count: Trampoline.jumpSize)
                guard let to = PatchSite(entry: fn.site.patchAddress, patchOffset: 0).jumpTarget(in: live),
                      region.contains(to) else { continue }
                throw ApplierError.foreign(
                    function: fn.displayName, payload: other.name, reason: .unknownJump(target: to))
            }
        }
    }

    /// Code that must be idle before `record` can be taken out.
    func busyRanges(of record: Registry.Record) -> [BusyRange] {
        record.functions.map {
            BusyRange(range: $0.site.entryAddress..<($0.site.entryAddress + $0.oldSize), name: $0.displayName)
        } + [record.region.busy("the new code of \(record.name)")]
    }

    /// What a function returns to when `record`'s jump is taken out.
    func stateBeneath(_ fn: Registry.Function, in reg: Registry) -> String {
        let stack = reg.stack(atEntry: fn.site.entryAddress)
        guard stack.count >= 2 else { return "virgin" }
        let below = stack[stack.count - 2]
        return "applied(\(reg.payloadName(below.payloadID) ?? below.payloadID.shortHex))"
    }

    public func revert(_ nameOrID: String, timeoutSeconds: Double = 5,
                       waitReturn: Bool = false) throws -> OperationResult {
        try exclusively(timeoutSeconds) {
            try whileAlive("revert") {
                try revertUnguarded(nameOrID, timeoutSeconds: timeoutSeconds, waitReturn: waitReturn)
            }
        }
    }

    func revertUnguarded(_ nameOrID: String, timeoutSeconds: Double,
                         waitReturn: Bool = false) throws -> OperationResult {
        try recoverPending(timeoutSeconds: timeoutSeconds)
        let first = try registry()
        let record = try first.find(nameOrID)
        try checkTop(record, in: first)
        guard let regBase = try store.location() else {
            throw ApplierError.registryCorrupt("registry mapping vanished")
        }
        let waiter = waitReturn ? try returnWaiter { self.functionRanges(of: record) } : nil
        let (outcome, rows) = try runPlanned(timeoutSeconds: timeoutSeconds, busy: { busyRanges(of: record) },
                                             waiter: waiter) { () -> (WindowPlan, [OperationResult.Function]) in
            let snap = try snapshot(at: regBase)
            guard let current = snap.registry.records.first(where: { $0.id == record.id }) else {
                throw ApplierError.notApplied(nameOrID, applied: snap.registry.records.map(\.name))
            }
            try checkTop(current, in: snap.registry)
            var writer = PatchWriter(memory: target)
            var rows: [OperationResult.Function] = []
            var guards: [WindowPlan.Guard] = []
            let others = snap.registry.records.filter { $0.id != current.id }
            let derived = RegistryDerivedWrites(target: target)
            try derived.checkFreeable(current.regionAddress, current.regionSize, records: others,
                                      label: "the new code of \(current.name)", unwind: current.unwindFrames != nil)
            for fn in current.functions {
                try derived.check(
                    patchAddress: fn.site.patchAddress, bytes: fn.site.savedBytes, records: others,
                    label: fn.displayName)
                let live = try target.read(fn.site.patchAddress, count: Trampoline.jumpSize)
                writer.add(fn.site.patchAddress, new: fn.site.savedBytes, old: live, label: fn.displayName)
                guards += try self.guards(
                    entry: fn.site.entryAddress, size: try fn.checkedOldSize(), label: fn.displayName,
                    registry: snap.registry)
                rows.append(.init(function: fn.displayName, address: hex(fn.site.entryAddress),
                                  before: "applied(\(current.name))", after: stateBeneath(fn, in: snap.registry)))
            }
            let plan = try makePlan(
                snap, writer: writer, guards: guards, records: snap.registry.records.filter { $0.id != current.id },
                operation: "revert \(current.name)", mine: nil,
                freeWhenDone: [current.region])
            return (plan, rows)
        }
        FaultInjection.point("resumed", target: target.pid)
        // No thread was in the code when its jumps went away, and none can
        // enter it now, so the region can go.
        finishCleanup(outcome.value, base: regBase)
        var r = OperationResult(action: "revert", outcome: "reverted", payload: record.name, id: record.id.hex,
                                replaced: nil, functions: rows, pause_us: outcome.pauseMicros,
                                phases_us: outcome.phases,
                                attempts: outcome.attempts, threads: outcome.threads, region: nil)
        r.waited = waiter?.summary
        return r
    }
}
