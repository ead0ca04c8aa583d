import Target

/// Revert as steps of the transaction skeleton: the payload on top and
/// proven at every function it patched, its saved bytes put back, its code
/// freed.
struct RevertTransaction: Transaction {
    static let verb = "revert"
    let session: LiveSession
    /// The payload's name or ID, as the operator gave it.
    let key: String
    /// Only check and say what would change (with the threads busy in the
    /// code right now as warnings).
    var dryRun = false

    func check(_ reg: Registry, timeoutSeconds: Double) throws -> TransactionVerdict<Registry.Record> {
        let record = try reg.find(key)
        try session.checkTop(record, in: reg)
        guard dryRun else { return .proceed(record) }
        // The plan step's checks on the registry as read; nothing is written.
        var change = PlannedChange("revert \(record.name)", memory: session.target)
        try session.planTakeOut(record, registry: reg, into: &change)
        var r = OperationResult(action: "revert", outcome: "would revert (dry run, nothing written)",
                                payload: record.name, id: record.id.hex, replaced: nil, functions: change.rows,
                                pause_us: 0, phases_us: nil, attempts: 0, threads: 0, region: nil)
        r.warnings = session.busyWarnings(busy(record), timeoutSeconds: timeoutSeconds)
        return .done(r)
    }

    func busy(_ record: Registry.Record) -> [BusyRange] { session.busyRanges(of: record) }

    func followed(_ record: Registry.Record) -> [BusyRange] { session.functionRanges(of: record) }

    func plan(_ record: Registry.Record, _ snap: LiveSession.RegistrySnapshot, code _: Void) throws -> PlannedChange {
        let cur = try session.current(record, key: key, in: snap.registry)
        var change = PlannedChange("revert \(cur.name)", memory: session.target)
        try session.planTakeOut(cur, registry: snap.registry, into: &change)
        change.records = snap.registry.records.filter { $0.id != cur.id }
        return change
    }

    func report(_ record: Registry.Record, rows: [OperationResult.Function], outcome: StopWindow.Outcome<Journal?>,
                code _: Void) -> OperationResult {
        OperationResult(action: "revert", outcome: "reverted", payload: record.name, id: record.id.hex,
                        replaced: nil, functions: rows, pause_us: outcome.pauseMicros, phases_us: outcome.phases,
                        attempts: outcome.attempts, threads: outcome.threads, region: nil)
    }
}
