import Hash
import Payload

/// One function's row in a verify report.
public struct FunctionReport: Sendable {
    public let function: FunctionPatch
    public let address: UInt64?
    public let state: FunctionState
    /// Whether the payload accepts this state as its pre-state.
    public let accepted: Bool
    /// The name of the payload in `applied(P)`, when the registry knows it.
    public let stateName: String?
    /// The payload is recorded in this function's stack, on top or beneath.
    public let containsPayload: Bool
}

public enum Verdict: String, Sendable, Codable {
    case applicable, applied, conflict
}

/// The verifier's answer for one payload.
public struct PayloadReport: Sendable {
    public let name: String
    public let id: Digest
    public let functions: [FunctionReport]

    public var verdict: Verdict {
        if functions.allSatisfy({ $0.state == .applied(id) }) { return .applied }
        // Stacked beneath a later payload: still applied, the chain is recorded.
        if functions.allSatisfy({ $0.containsPayload && $0.stateIsApplied }) { return .applied }
        if functions.allSatisfy(\.accepted) { return .applicable }
        return .conflict
    }
}

extension FunctionReport {
    var stateIsApplied: Bool {
        if case .applied = state { return true }
        return false
    }
}
