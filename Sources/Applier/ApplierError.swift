import Foundation
import Hash
import OldCodeCheck

/// Why an operation did not happen. `refused` cases leave the target exactly
/// as it was (exit 1); `badRequest` and `unresolved` are bad input (exit 2);
/// `inconsistent` means a rollback itself failed (exit 3).
public enum ApplierError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The new code carries unwind information that no unwinder in the
    /// target can take (none loaded, or several and no way to choose).
    case unwindUnavailable(payload: String, reason: String)
    /// Registering or removing the new code's frames in the target's
    /// unwinder did not happen as planned.
    case unwindRegistration(String)
    /// Functions of `payload` are in states it does not accept (`when`
    /// says at which check: before loading, or just before the write).
    case notAccepted(payload: String, functions: [Rejection], when: Moment)
    /// An interrupted operation is recorded in the target; `recover` first.
    case pendingOperation(String)
    /// Another live xsplice is in the middle of `operation` on this process.
    case operationInProgress(pid: Int32, operation: String)
    /// The journal this operation wrote was replaced by another xsplice's.
    case journalTakenOver(operation: String)
    /// A journalled write finds neither its old nor its new bytes.
    case journalForeign(function: String, address: UInt64)
    /// The registry asks for a write that program and memory do not support.
    case registryWriteUnproven(function: String, address: UInt64, reason: String)
    /// Live memory does not prove that `payload` is applied at `function`.
    case foreign(function: String, payload: String, reason: ForeignReason)
    case busy(thread: Int32, function: String, how: String, seconds: Double)
    /// The code is used from memory that is no thread's live stack, or the
    /// check could not look everywhere it must; either way, not free.
    case notFree(String, seconds: Double)
    case notApplied(String, applied: [String])
    case coveredBy(payload: String, function: String)
    case variablesInUse(payload: String, by: String)
    case registryCorrupt(String)
    case unresolved(symbol: String, module: String)
    case outOfRange(what: String)
    case notPatchable(function: String, reason: String)
    case badRequest(String)
    case writeFailed(String)
    case inconsistent(String)
    /// Inside the window the target was not what the plan was made from;
    /// the operation plans again from what is there now.
    case stalePlan(String)

    public var description: String {
        switch self {
        case let .unwindUnavailable(p, why):
            return "refused: payload \(p) \(why); nothing was written"
        case let .unwindRegistration(why): return "refused: \(why)"
        case let .notAccepted(p, rows, when):
            return "refused: payload \(p) \(when.phrase): " + rows.map(\.description).joined(separator: "; ")
                + "; nothing was written"
        case let .pendingOperation(op):
            return "refused: an interrupted operation (\(op)) is pending in this process; run `xsplice recover`; "
                + "nothing was written"
        case let .operationInProgress(pid, op):
            return "refused: xsplice (PID \(pid)) is in the middle of \(op); retry when it is done"
        case let .journalTakenOver(op):
            return "refused: another xsplice took over the pending \(op) in this process; nothing was written"
        case let .journalForeign(f, a):
            return "refused: \(f) at 0x\(String(a, radix: 16)) holds neither its old nor its new bytes (foreign); "
                + "the journal is kept for inspection and nothing was written"
        case let .registryWriteUnproven(label, a, why):
            return "refused: the registry in the target asks to change \(label) at 0x\(String(a, radix: 16)), "
                + "but \(why): "
                + "xsplice writes only what it can derive from the program and live memory, so it wrote nothing "
                + "(the registry may have been tampered with; `xsplice verify` with the payloads shows the live state)"
        case let .busy(t, f, how, s):
            return "refused: thread \(t) is \(how) \(f) after \(String(format: "%.2f", s)) s of retrying; "
                + "nothing was written. Retry later or raise --timeout"
        case let .notFree(why, s):
            return "refused: \(why) (still so after \(String(format: "%.2f", s)) s of retrying); nothing was written. "
                + "Retry later or raise --timeout"
        case let .notApplied(k, applied):
            return "no applied payload is named \(k); applied: "
                + (applied.isEmpty ? "none" : applied.joined(separator: ", "))
        case let .foreign(f, p, why):
            return "refused: \(f) is foreign: live memory does not prove \(p) applied there (\(why)); "
                + "nothing was written. "
                + "Run `xsplice verify` to see the live state"
        case let .coveredBy(p, f): return "refused: payload \(p) is applied on top of \(f); revert it first"
        case let .variablesInUse(p, user):
            return "refused: payload \(user) uses the new variables of \(p), which would be freed; revert \(user) first"
        case let .registryCorrupt(why):
            return
                "refused: the xsplice registry in the target fails its integrity check (\(why)); nothing was written. "
                + "Run `xsplice verify` with the payloads to see the live state"
        case let .unresolved(s, m):
            return "symbol \(s) needed by the new code is not defined in \(m.isEmpty ? "the main executable" : m) "
                + "or any loaded library"
        case let .outOfRange(what): return "\(what) is beyond the ±2 GiB reach of a rel32"
        case let .notPatchable(f, why): return "\(f) cannot be patched safely: \(why)"
        case let .badRequest(why): return why
        case let .writeFailed(why):
            return "refused: a write to the target failed (\(why)); everything written was restored"
        case let .inconsistent(why): return "THE TARGET MAY BE INCONSISTENT: \(why)"
        case let .stalePlan(why):
            return "refused: the target kept changing under the operation (\(why)); nothing was written"
        }
    }

    /// The exit code the README documents for this case.
    public var exitCode: Int32 {
        switch self {
        case .unwindUnavailable, .unwindRegistration, .notAccepted, .pendingOperation, .operationInProgress,
             .journalTakenOver, .journalForeign, .registryWriteUnproven, .foreign, .busy, .notFree,
             .coveredBy, .variablesInUse, .registryCorrupt, .writeFailed, .notPatchable, .stalePlan: return 1
        case .notApplied, .unresolved, .outOfRange, .badRequest: return 2
        case .inconsistent: return 3
        }
    }
}

extension ApplierError {
    /// One function in a state its payload does not accept.
    public struct Rejection: Sendable, Equatable, CustomStringConvertible {
        public var function: String
        /// The state found, as operators read it ("virgin", "applied(fixA)", "foreign").
        public var found: String
        public var reason: ForeignReason?
        public var accepted: [String]

        public init(function: String, found: String, reason: ForeignReason?, accepted: [String]) {
            self.function = function
            self.found = found
            self.reason = reason
            self.accepted = accepted
        }

        public var description: String {
            "\(function) is \(found)\(reason.map { " (\($0))" } ?? ""), accepted: \(accepted.joined(separator: " or "))"
        }
    }

    /// When a pre-state was found wrong.
    public enum Moment: Sendable, Equatable {
        case beforeLoading
        case beforeWriting
        case afterRevertOf(String)

        var phrase: String {
            switch self {
            case .beforeLoading: return "does not accept what it finds"
            case .beforeWriting: return "found a function changed just before the write"
            case let .afterRevertOf(old): return "would not accept what reverting \(old) leaves"
            }
        }
    }
}
