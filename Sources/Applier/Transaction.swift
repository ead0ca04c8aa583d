import Hash
import Payload
import Target

/// What apply, revert and replace each contribute to the one transaction
/// skeleton (`LiveSession.run`). The skeleton owns the order of the steps,
/// the lock, the stop window and every undo; an operation only judges,
/// names the code it needs and plans its writes. Its steps write nothing.
protocol Transaction {
    /// What `check` hands on to the later steps (the record a revert takes
    /// out, for example).
    associatedtype Checked

    /// "apply", "revert", "replace": how a target that died mid-way is reported.
    static var verb: String { get }

    /// Check: judges the request against the registry as read and live
    /// memory, writing nothing. Ends the transaction with a result when
    /// there is nothing to write (already applied, a dry run).
    func check(_ reg: Registry, timeoutSeconds: Double) throws -> TransactionVerdict<Checked>

    /// `PreparedCode` for an operation that loads new code, `Void` otherwise.
    associatedtype Code

    /// Prepare: has `load` map and load the new code the operation needs.
    func prepare(_ c: Checked, load: (CodeRequest) throws -> PreparedCode) throws -> Code

    /// The loaded code in `code`, which a later failure frees.
    func loaded(_ code: Code) -> PreparedCode?

    /// Code that no thread may run in, or hold a return address into,
    /// while the window writes.
    func busy(_ c: Checked) -> [BusyRange]

    /// The functions that `--wait-return` follows frames through.
    func followed(_ c: Checked) -> [BusyRange]

    /// Plan: from a fresh registry snapshot, every write, every byte it
    /// rests on and the registry after, checked again while the target
    /// still runs.
    func plan(_ c: Checked, _ snap: LiveSession.RegistrySnapshot, code: Code) throws -> PlannedChange

    /// Report: what the operator is told once everything is committed.
    func report(_ c: Checked, rows: [OperationResult.Function], outcome: StopWindow.Outcome<Journal?>,
                code: Code) -> OperationResult
}

extension Transaction where Code == PreparedCode {
    func loaded(_ code: PreparedCode) -> PreparedCode? { code }
}

extension Transaction where Code == Void {
    func prepare(_: Checked, load _: (CodeRequest) throws -> PreparedCode) {}
    func loaded(_: Void) -> PreparedCode? { nil }
}

enum TransactionVerdict<Checked> {
    /// Nothing to write: the transaction ends with this result.
    case done(OperationResult)
    case proceed(Checked)
}

/// The payload to load before the window, and the journal's name for the
/// operation.
struct CodeRequest {
    let payload: Payload
    let module: LoadedModule
    let operation: String
}

/// Code mapped and loaded (its unwind frames registered) before the window,
/// with the journal that names it for freeing if the transaction fails.
struct PreparedCode {
    let code: LoadedCode
    let unwinder: UnwindRegistrar.Unwinder?
    let frames: UInt64?

    var journal: Journal { code.journal }
}

/// Everything a transaction will do in its window, planned from one
/// registry snapshot.
struct PlannedChange {
    /// The journal's name for it ("revert fixA").
    let operation: String
    var writer: PatchWriter
    /// Memory that must still be what was checked when the window opens.
    var guards: [WindowPlan.Guard] = []
    var rows: [OperationResult.Function] = []
    /// The registry's records once committed.
    var records: [Registry.Record] = []
    /// Code freed after the window.
    var freeWhenDone: [Journal.Region] = []

    init(_ operation: String, memory: any WritableMemory) {
        self.operation = operation
        writer = PatchWriter(memory: memory)
    }
}

extension PreparedCode {
    /// The registry's record of `file` applied with this code.
    func record(of file: PayloadFile, functions: [Registry.Function]) -> Registry.Record {
        Registry.Record(id: file.id, name: file.payload.name, appliedAtMicros: LiveSession.wallMicros(),
                        regionAddress: code.region, regionSize: code.size, functions: functions,
                        unwindFrames: frames, variables: NewVariables.addresses(file.payload, region: code.region),
                        usesVariablesOf: NewVariables.owners(file.payload))
    }
}
