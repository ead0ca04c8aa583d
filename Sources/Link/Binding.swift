/// What one reference of the new code binds to, and why: the record that
/// `apply --dry-run` shows and that the relocation uses.
public struct Binding: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// A definition inside the patched module, bound at build time.
        case module
        /// A dynamic symbol, bound as the target's dynamic linker binds it.
        case dynamic
        /// An STT_GNU_IFUNC: the implementation its resolver chose in the target.
        case ifunc
        /// A thread-local variable: `address` is its offset from the thread
        /// pointer (two's complement), as the target's TLS layout places it.
        case tls
    }

    /// The symbol as the payload names it (`file:name` for a static).
    public var reference: String
    public var kind: Kind
    /// "(main)" or the soname (file name) of the defining module.
    public var module: String
    /// The definition chosen: the implementation's name for an IFUNC when
    /// the module's symbols name it, else the symbol itself.
    public var definition: String
    public var address: UInt64
    public var reason: String
    /// True for data (STT_OBJECT, STT_TLS): a non-PIC reference needs it within reach.
    public var isData: Bool

    public init(reference: String, kind: Kind, module: String, definition: String, address: UInt64,
                reason: String, isData: Bool) {
        self.reference = reference
        self.kind = kind
        self.module = module
        self.definition = definition
        self.address = address
        self.reason = reason
        self.isData = isData
    }

    public var description: String {
        "\(reference) -> \(module) \(definition == reference ? "" : definition + " ")0x\(String(address, radix: 16)) " +
            "(\(reason))"
    }
}
