/// Why `xsplice build --before/--after` cannot build a payload. `exitCode`
/// follows DESIGN.md: 2 for unusable input, 1 for a refusal (the original
/// object is not the running build, or the fix changes what a live patch
/// cannot change).
public enum DiffError: Error, CustomStringConvertible, Equatable, Sendable {
    case notRelocatable(String)
    case ltoOnly(String)
    case notFunctionSections(object: String, function: String, section: String)
    case malformed(object: String, why: String)
    case proofFailed(ProofFailure)
    case refused([Refusal])
    case nothingChanged(before: String, after: String)
    case differentSources(before: String, beforeFile: String, after: String, afterFile: String)

    public var exitCode: Int32 {
        switch self {
        case .proofFailed, .refused: return 1
        default: return 2
        }
    }

    public var description: String {
        switch self {
        case let .notRelocatable(o):
            return "\(o) is not a relocatable object (.o); pass the objects compiled with -c"
        case let .ltoOnly(o):
            return "\(o) holds only LTO bytecode (.gnu.lto_* sections), no machine code to compare; "
                + "compile it again with -fno-lto (plus -ffunction-sections -fdata-sections)"
        case let .notFunctionSections(o, f, s):
            return "function \(f) of \(o) shares section \(s) with other code; "
                + "compile \(o) with -ffunction-sections -fdata-sections"
        case let .malformed(o, why):
            return "\(o): \(why)"
        case let .proofFailed(p):
            return p.description
        case let .refused(list):
            return "refused: " + list.map(\.description).joined(separator: "; ")
        case let .differentSources(b, bf, a, af):
            return "\(b) was compiled from \(bf) but \(a) from \(af); pair each original object with the fixed "
                + "object of the same source file"
        case let .nothingChanged(b, a):
            return "\(b) and \(a) compile to the same code and data; there is nothing to patch"
        }
    }
}

/// A change the fix makes that a live patch cannot carry, named.
public struct Refusal: Sendable, Equatable, Codable, CustomStringConvertible {
    public var subject: String
    public var reason: String
    public init(subject: String, reason: String) {
        self.subject = subject
        self.reason = reason
    }
    public var description: String { "\(subject): \(reason)" }
}
