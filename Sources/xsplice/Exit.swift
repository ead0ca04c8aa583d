import ELF
import Link
import Foundation
import Payload
import Target
import Hash
import Applier
import Link
import OldCodeCheck

/// A finished command's exit code with the message to print for it.
struct Exit: Error {
    static let done: Int32 = 0
    static let refused: Int32 = 1
    static let badInput: Int32 = 2
    static let inconsistent: Int32 = 3

    let code: Int32
    let message: String?

    func emit() -> Never {
        if let message { Console.err("xsplice: " + message) }
        Foundation.exit(code)
    }

    /// Errors that reach the top unhandled. Malformed input of every kind
    /// is bad input (2); applier and target errors map as for live commands.
    /// An error of no known kind is not called bad input: it is reported as
    /// an internal error with exit 1, since every transaction restores what
    /// it wrote before any error leaves it.
    static func from(_ error: Error) -> Exit {
        switch error {
        case is PayloadError, is ELFError, is BuildError, is KeyFileError, is TrustError, is SignatureError,
             is DigestError, is LinkError:
            return Exit(code: badInput, message: "\(error)")
        case is ApplierError, is TargetError, is OperatorLockError, is Exit:
            return fromLive(error)
        default:
            return internalError(error)
        }
    }

    static func internalError(_ error: Error) -> Exit {
        Exit(code: refused, message: "internal error (\(type(of: error))): \(error); nothing was written. "
             + "Please report it")
    }

    /// Live operations: the applier's own classification, and target
    /// failures (a missing process is bad input; anything that stopped us
    /// before a write is a refusal with the target unchanged).
    static func fromLive(_ error: Error) -> Exit {
        switch error {
        case let e as ApplierError:
            return Exit(code: e.exitCode, message: e.description)
        case let e as TargetError:
            switch e {
            case .noSuchProcess, .moduleNotLoaded: return Exit(code: badInput, message: e.description)
            case .exited: return Exit(code: refused, message: "refused: \(e); there is no process left to patch")
            default: return Exit(code: refused, message: "refused: \(e); the target is unchanged")
            }
        case let e as OperatorLockError:
            return Exit(code: refused, message: e.description)
        case let e as LinkError:
            // Binding happens before anything is mapped or written. A symbol
            // no module defines is a payload that does not fit this process,
            // as a module that is not loaded is.
            if case .unresolved = e { return Exit(code: badInput, message: e.description) }
            return Exit(code: refused, message: "refused: \(e); the target is unchanged")
        case let e as Exit:
            return e
        case is PayloadError, is LinkError, is ELFError:
            return Exit(code: badInput, message: "\(error)")
        default:
            return internalError(error)
        }
    }
}
