import OldCodeCheck
import Payload

/// How the transactions describe functions and outcomes to the operator.
extension LiveSession {
    /// The functions of a report whose state the payload does not accept.
    static func rejections(_ r: PayloadReport) -> [ApplierError.Rejection] {
        r.functions.filter { !$0.accepted }.map { row in
            var reason: ForeignReason?
            if case let .foreign(why) = row.state { reason = why }
            return .init(function: row.function.displayName,
                         found: row.stateName.map { "applied(\($0))" } ?? row.state.description,
                         reason: reason, accepted: row.function.accepts.map(\.description))
        }
    }

    func rejection(_ f: FunctionPatch, _ st: FunctionState, _ reg: Registry) -> ApplierError.Rejection {
        var reason: ForeignReason?
        if case let .foreign(why) = st { reason = why }
        return .init(
            function: f.displayName, found: describe(st, reg), reason: reason, accepted: f.accepts.map(\.description))
    }

    func describe(_ st: FunctionState, _ reg: Registry) -> String {
        if case let .applied(id) = st { return "applied(\(reg.payloadName(id) ?? id.shortHex))" }
        return st.description
    }

    func row(_ f: FunctionReport, after: String) -> OperationResult.Function {
        .init(
            function: f.function.displayName, address: f.address.map(hex) ?? "-",
            before: f.stateName.map { "applied(\($0))" } ?? f.state.description, after: after)
    }

    func result<T>(_ action: String, _ outcome: String, _ file: PayloadFile, _ rows: [OperationResult.Function],
                   _ w: StopWindow.Outcome<T>) -> OperationResult {
        OperationResult(action: action, outcome: outcome, payload: file.payload.name, id: file.id.hex, replaced: nil,
            functions: rows, pause_us: w.pauseMicros, phases_us: w.phases, attempts: w.attempts, threads: w.threads,
            region: nil)
    }

    /// A result for an operation that stopped no thread.
    func result(
        _ action: String, _ outcome: String, _ file: PayloadFile, _ rows: [OperationResult.Function]
    ) -> OperationResult {
        OperationResult(action: action, outcome: outcome, payload: file.payload.name, id: file.id.hex, replaced: nil,
                        functions: rows, pause_us: 0, phases_us: nil, attempts: 0, threads: 0, region: nil)
    }
}
