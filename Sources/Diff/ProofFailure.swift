/// Why the original object was not proved to be the running build.
public struct ProofFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var function: String
    public var object: String
    public var binary: String
    /// The binary's function that was compared, and the first differing offset.
    public var address: UInt64?
    public var offset: UInt64?
    public var what: String
    /// A plain-words guess at the cause (other flags, LTO, another revision).
    public var hint: String

    public var description: String {
        var s = "\(object) is not the build running as \(binary): function \(function)"
        if let address { s += " (0x\(String(address, radix: 16)) in the binary)" }
        if let offset { s += " differs at +0x\(String(offset, radix: 16))" }
        s += ": \(what). \(hint)"
        return s
    }
}
