import Target

/// Revert as steps of the transaction skeleton: the payload on top and
/// proven at every function it patched, its saved bytes put back, its code
/// freed.
struct RevertTransaction: Transaction {
    static let verb = "revert"
    let session: LiveSession
    /// The payload's name or ID, as the operator gave it.
    let key: String

    func check(_ reg: Registry, timeoutSeconds _: Double) throws -> TransactionVerdict<Registry.Record> {
        let record = try reg.find(key)
        try session.checkTop(record, in: reg)
        return .proceed(record)
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
