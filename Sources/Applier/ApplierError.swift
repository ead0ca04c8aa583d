import Foundation
import Hash
import OldCodeCheck

/// Why an operation did not happen. `refused` cases leave the target exactly
/// as it was (exit 1); `badRequest` and `unresolved` are bad input (exit 2);
/// `inconsistent` means a rollback itself failed (exit 3).
public enum ApplierError: Error, CustomStringConvertible, Sendable {
    case conflict(String)
    /// Live memory does not prove that `payload` is applied at `function`.
    case foreign(function: String, payload: String, reason: ForeignReason)
    case busy(thread: Int32, function: String, how: String, seconds: Double)
    /// The code is used from memory that is no thread's live stack, or the
    /// check could not look everywhere it must; either way, not free.
    case notFree(String, seconds: Double)
    case notApplied(String, applied: [String])
    case coveredBy(payload: String, function: String)
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
        case let .conflict(why): return "refused: \(why); nothing was written"
        case let .busy(t, f, how, s):
            return "refused: thread \(t) is \(how) \(f) after \(String(format: "%.2f", s)) s of retrying; "
                + "nothing was written. Retry later or raise --timeout"
        case let .notFree(why, s):
            return "refused: \(why) (still so after \(String(format: "%.2f", s)) s of retrying); nothing was written. "
                + "Retry later or raise --timeout"
        case let .notApplied(k, applied):
            return "no applied payload is named \(k); applied: \(applied.isEmpty ? "none" : applied.joined(separator: ", "))"
        case let .foreign(f, p, why):
            return "refused: \(f) is foreign: live memory does not prove \(p) applied there (\(why)); nothing was written. "
                + "Run `xsplice verify` to see the live state"
        case let .coveredBy(p, f): return "refused: payload \(p) is applied on top of \(f); revert it first"
        case let .registryCorrupt(why): return "the xsplice registry in the target fails its integrity check (\(why)); run `xsplice verify` to see the live state"
        case let .unresolved(s, m): return "symbol \(s) needed by the new code is not defined in \(m.isEmpty ? "the main executable" : m) or any loaded library"
        case let .outOfRange(what): return "\(what) is beyond the ±2 GiB reach of a rel32"
        case let .notPatchable(f, why): return "\(f) cannot be patched safely: \(why)"
        case let .badRequest(why): return why
        case let .writeFailed(why): return "refused: a write to the target failed (\(why)); everything written was restored"
        case let .inconsistent(why): return "THE TARGET MAY BE INCONSISTENT: \(why)"
        case let .stalePlan(why): return "refused: the target kept changing under the operation (\(why)); nothing was written"
        }
    }

    /// The exit code DESIGN.md assigns.
    public var exitCode: Int32 {
        switch self {
        case .conflict, .foreign, .busy, .notFree, .coveredBy, .registryCorrupt, .writeFailed, .notPatchable,
             .stalePlan: return 1
        case .notApplied, .unresolved, .outOfRange, .badRequest: return 2
        case .inconsistent: return 3
        }
    }
}
