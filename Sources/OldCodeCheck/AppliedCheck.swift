import Hash
import Payload

/// What the rest of a patched function must still be. A payload knows the
/// old bytes themselves; the registry records only their SHA-256.
public enum ExpectedOldCode: Sendable, Equatable {
    case bytes([UInt8])
    case hash(Digest)
    /// A record from a registry that did not keep the hash: nothing proves
    /// the body, so the function can only be foreign.
    case unknown
}

/// Where P stands at one function, as `revert`, `replace` and `list` need it.
public enum AppliedStanding: Sendable, Equatable {
    /// P's jump is on top, its replacement hashes as recorded and the body
    /// is the old code: P may be taken out here.
    case intact
    /// P is recorded here beneath Q, and Q is applied and intact.
    case covered(by: Digest)
    /// The registry has no record of P at this entry.
    case notRecorded
    /// Live memory does not prove what the registry says.
    case foreign(ForeignReason)
}

/// The one place that decides whether live memory holds a payload's patch:
/// a jump at the patch site to the replacement that the top record of the
/// stack names, at the recorded patch address, that replacement hashing as
/// recorded, and every other byte of the function being the old code.
/// Verify, revert, replace and list all ask here.
public struct AppliedCheck {
    public let entry: UInt64
    public let site: PatchSite
    /// The live bytes of the whole function.
    public let live: [UInt8]
    public let expected: ExpectedOldCode
    /// The registry's records at this entry, oldest first.
    public let stack: [AppliedSite]

    public init(entry: UInt64, patchOffset: Int, live: [UInt8], expected: ExpectedOldCode, stack: [AppliedSite]) {
        self.entry = entry
        self.site = PatchSite(entry: entry, patchOffset: patchOffset)
        self.live = live
        self.expected = expected
        self.stack = stack
    }

    /// The state of a function whose bytes are not the expected old ones.
    /// `readReplacement` reads recorded replacement code, nil if unreadable.
    public func state(readReplacement: (UInt64, Int) -> [UInt8]?) -> FunctionState {
        let p = site.patchOffset
        guard let target = site.jumpTarget(in: live) else { return .foreign(bodyDifference()) }
        if let why = tailDifference() { return .foreign(why) }
        guard let top = stack.last, top.replacementAddress == target, top.patchAddress == entry &+ UInt64(p) else {
            return .foreign(.unknownJump(target: target))
        }
        guard let size = Int(exactly: top.replacementSize), size <= AppliedCheck.maxReplacementSize else {
            return .foreign(.replacementModified(payload: top.payloadID))
        }
        guard let code = readReplacement(top.replacementAddress, size) else {
            return .foreign(.replacementUnreadable(payload: top.payloadID, address: top.replacementAddress))
        }
        guard code.count == size, let h = try? SHA256.hash(code), h == top.replacementHash else {
            return .foreign(.replacementModified(payload: top.payloadID))
        }
        return .applied(top.payloadID)
    }

    /// Whether `payload` is applied here, on top, and intact.
    public func standing(of payload: Digest, readReplacement: (UInt64, Int) -> [UInt8]?) -> AppliedStanding {
        guard stack.contains(where: { $0.payloadID == payload }) else { return .notRecorded }
        switch state(readReplacement: readReplacement) {
        case let .applied(id) where id == payload: return .intact
        case let .applied(id): return .covered(by: id)
        case .virgin: return .foreign(.noJump)
        case let .foreign(why): return .foreign(why)
        }
    }

    /// A bound on recorded replacement sizes (a corrupt registry could name
    /// any size): no payload carries more code than this.
    public static let maxReplacementSize = PayloadLimits.maxSectionSize

    /// Everything but the five patched bytes must be the old code.
    private func tailDifference() -> ForeignReason? {
        let p = site.patchOffset
        let skip = p..<(p + Trampoline.jumpSize)
        switch expected {
        case let .bytes(old):
            guard let d = ByteDiffer.firstDifference(old, live, skipping: skip) else { return nil }
            return .tailModified(ByteDiffer.diff(expected: old, found: live, entry: entry, at: d))
        case let .hash(want):
            // The oldest record saved the old code's bytes under the jump:
            // put them back and the whole function must hash as recorded.
            guard let bottom = stack.first, bottom.savedBytes.count == Trampoline.jumpSize,
                  live.count >= skip.upperBound else { return .tailUnproven }
            var original = live
            original.replaceSubrange(skip, with: bottom.savedBytes)
            guard let h = try? SHA256.hash(original), h == want else { return .tailHashDiffers }
            return nil
        case .unknown:
            return .tailUnproven
        }
    }

    private func bodyDifference() -> ForeignReason {
        switch expected {
        case let .bytes(old): return .bytesDiffer(ByteDiffer.diff(expected: old, found: live, entry: entry))
        case .hash, .unknown: return .noJump
        }
    }
}
