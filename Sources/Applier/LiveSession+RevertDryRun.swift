import Hash
import Target

extension LiveSession {
    /// `revert --dry-run`: every check `revert` makes before it stops the
    /// threads to write (the payload is recorded, on top of each function it
    /// patched, proven there by live memory, its code freeable and nothing
    /// else jumping into it), then the threads busy in that code right now as
    /// warnings. Writes nothing, takes no lock and finishes no interrupted
    /// operation, as `apply --dry-run`.
    public func revertDryRun(_ nameOrID: String, timeoutSeconds: Double = 5) throws -> OperationResult {
        let reg = try registry()
        let record = try reg.find(nameOrID)
        try checkTop(record, in: reg)
        let others = reg.records.filter { $0.id != record.id }
        let derived = RegistryDerivedWrites(target: target)
        try derived.checkFreeable(record.regionAddress, record.regionSize, records: others,
                                  label: "the new code of \(record.name)", unwind: record.unwindFrames != nil)
        var rows: [OperationResult.Function] = []
        for fn in record.functions {
            try derived.check(patchAddress: fn.site.patchAddress, bytes: fn.site.savedBytes, records: others,
                              label: fn.displayName)
            rows.append(.init(function: fn.displayName, address: hex(fn.site.entryAddress),
                              before: "applied(\(record.name))", after: stateBeneath(fn, in: reg)))
        }
        var r = OperationResult(action: "revert", outcome: "would revert (dry run, nothing written)",
                                payload: record.name, id: record.id.hex, replaced: nil, functions: rows, pause_us: 0,
                                phases_us: nil, attempts: 0, threads: 0, region: nil)
        r.warnings = busyWarnings(busyRanges(of: record), timeoutSeconds: timeoutSeconds)
        return r
    }
}
