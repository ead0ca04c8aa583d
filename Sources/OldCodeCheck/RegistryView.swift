import Hash

/// What the verifier needs to know about patches already in a target: for
/// each patched entry, the stack of payloads applied there, oldest first.
/// Live processes provide it from the in-target registry; an image on disk
/// has none.
public protocol RegistryView {
    func stack(atEntry address: UInt64) -> [AppliedSite]
    func payloadName(_ id: Digest) -> String?
}

/// One payload's patch of one function, as recorded when it was applied.
public struct AppliedSite: Sendable, Equatable, Codable {
    public var payloadID: Digest
    public var entryAddress: UInt64
    /// Where the jump was written: the entry, or after its endbr64.
    public var patchAddress: UInt64
    /// What the jump overwrote: old code, or the jump of the payload beneath.
    public var savedBytes: [UInt8]
    public var replacementAddress: UInt64
    public var replacementSize: UInt64
    public var replacementHash: Digest
    /// The SHA-256 of the function's expected old code (the payload's), so
    /// that revert, replace and list can prove the body without the payload.
    public var oldHash: Digest?

    public init(payloadID: Digest, entryAddress: UInt64, patchAddress: UInt64, savedBytes: [UInt8],
                replacementAddress: UInt64, replacementSize: UInt64, replacementHash: Digest, oldHash: Digest? = nil) {
        self.payloadID = payloadID
        self.entryAddress = entryAddress
        self.patchAddress = patchAddress
        self.savedBytes = savedBytes
        self.replacementAddress = replacementAddress
        self.replacementSize = replacementSize
        self.replacementHash = replacementHash
        self.oldHash = oldHash
    }
}

/// The registry of a target that cannot hold patches.
public struct EmptyRegistry: RegistryView {
    public init() {}
    public func stack(atEntry address: UInt64) -> [AppliedSite] { [] }
    public func payloadName(_ id: Digest) -> String? { nil }
}
