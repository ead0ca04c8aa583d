import Hash
import Payload

/// What the verifier found at one function's entry.
public enum FunctionState: Sendable, Equatable, CustomStringConvertible {
    case virgin
    case applied(Digest)
    case foreign(ForeignReason)

    public var description: String {
        switch self {
        case .virgin: return "virgin"
        case let .applied(id): return "applied(\(id.shortHex))"
        case .foreign: return "foreign"
        }
    }
}

/// Why a function is foreign, in terms an operator can act on.
public enum ForeignReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// Live bytes differ from the expected old bytes.
    case bytesDiffer(ByteDiff)
    /// A jump sits at the entry but no recorded payload owns its target.
    case unknownJump(target: UInt64)
    /// A recorded payload's replacement no longer hashes as recorded.
    case replacementModified(payload: Digest)
    /// The entry jump is recorded, but the rest of the function changed.
    case tailModified(ByteDiff)
    /// The module's build-id is not the one the payload was built for.
    case buildIDMismatch(expected: [UInt8], found: [UInt8], diff: ByteDiff?)
    /// The recorded replacement code cannot be read (unmapped, or a record
    /// that names memory the payload never loaded).
    case replacementUnreadable(payload: Digest, address: UInt64)
    /// The function's body, with the recorded old bytes put back under the
    /// jump, does not hash to the old code's recorded SHA-256.
    case tailHashDiffers
    /// The registry record carries nothing that proves the function's body.
    case tailUnproven
    /// The registry names a patch here but the entry holds no jump.
    case noJump
    case moduleMissing(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case let .bytesDiffer(d): return "bytes differ from the expected old code at +0x\(String(d.offset, radix: 16))"
        case let .unknownJump(t):
            return "a jump to 0x\(String(t, radix: 16)) that no recorded payload owns (another tool's patch?)"
        case let .replacementModified(p): return "the replacement code of payload \(p.shortHex) was modified"
        case let .tailModified(d):
            return "the entry jump is recorded but the function body changed at +0x\(String(d.offset, radix: 16))"
        case let .buildIDMismatch(e, f, _):
            return "build-id \(Hex.encode(f)) is not the expected \(Hex.encode(e)) (a different build)"
        case let .replacementUnreadable(p, a):
            return "the replacement code of payload \(p.shortHex) at 0x\(String(a, radix: 16)) cannot be read"
        case .tailHashDiffers:
            return "the function body changed: with its saved entry bytes put back it no longer hashes as recorded"
        case .tailUnproven:
            return "the registry record does not carry the old code's hash, so the body cannot be proven"
        case .noJump: return "the entry holds no jump although the registry records one"
        case let .moduleMissing(m): return "module \(m) is not loaded"
        case let .unreadable(why): return "cannot read the function: \(why)"
        }
    }

    public var diff: ByteDiff? {
        switch self {
        case let .bytesDiffer(d), let .tailModified(d): return d
        case let .buildIDMismatch(_, _, d): return d
        default: return nil
        }
    }
}

/// The first difference between expected and live bytes, with a window of
/// bytes and instructions on both sides.
public struct ByteDiff: Sendable, Equatable {
    public var offset: Int
    public var expected: [UInt8]
    public var found: [UInt8]
    /// Where the windows start, as offsets from the function entry.
    public var windowStart: Int
    public var expectedDisassembly: [Instruction]
    public var foundDisassembly: [Instruction]
}

extension FunctionPatch {
    /// Whether the payload may write over the function in this state.
    public func accepts(_ state: FunctionState) -> Bool {
        switch state {
        case .virgin: return accepts.contains(.virgin)
        case let .applied(id): return accepts.contains(.applied(id))
        case .foreign: return false
        }
    }
}
