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

    /// `record` as the snapshot `reg` has it, still on top and intact.
    func current(_ record: Registry.Record, key: String, in reg: Registry) throws -> Registry.Record {
        guard let cur = reg.records.first(where: { $0.id == record.id }) else {
            throw ApplierError.notApplied(key, applied: reg.records.map(\.name))
        }
        try checkTop(cur, in: reg)
        return cur
    }

    /// Plans taking `record` out: its saved bytes back at each entry (but
    /// those in `handled`, which another write of the change covers), each
    /// derived again from the other records, and its code freed after.
    func planTakeOut(_ record: Registry.Record, skipping handled: Set<UInt64> = [], registry reg: Registry,
                     into change: inout PlannedChange) throws {
        let others = reg.records.filter { $0.id != record.id }
        let derived = RegistryDerivedWrites(target: target)
        try derived.checkFreeable(record.regionAddress, record.regionSize, records: others,
                                  label: "the new code of \(record.name)", unwind: record.unwindFrames != nil)
        for fn in record.functions where !handled.contains(fn.site.entryAddress) {
            try derived.check(patchAddress: fn.site.patchAddress, bytes: fn.site.savedBytes, records: others,
                              label: fn.displayName)
            let live = try target.read(fn.site.patchAddress, count: Trampoline.jumpSize)
            change.writer.add(fn.site.patchAddress, new: fn.site.savedBytes, old: live, label: fn.displayName)
            change.guards += try guards(entry: fn.site.entryAddress, size: try fn.checkedOldSize(),
                                        label: fn.displayName, registry: reg)
            change.rows.append(.init(function: fn.displayName, address: hex(fn.site.entryAddress),
                                     before: "applied(\(record.name))", after: stateBeneath(fn, in: reg)))
        }
        change.freeWhenDone.append(record.region)
    }
}
