import Hash
import OldCodeCheck

/// The record of applied payloads kept inside the target, so that any
/// xsplice, run by any operator, learns the truth from the process alone.
/// Live memory wins: the verifier trusts a record only when the live jump
/// and the replacement's hash agree with it.
public struct Registry: RegistryView, Codable, Sendable, Equatable {
    public var records: [Record] = []
    /// An operation that has not finished; see `Journal`.
    public var journal: Journal?

    public init(records: [Record] = [], journal: Journal? = nil) {
        self.records = records
        self.journal = journal
    }

    public struct Record: Codable, Sendable, Equatable {
        public var id: Digest
        public var name: String
        /// Wall-clock time of the apply, microseconds since the Unix epoch.
        public var appliedAtMicros: UInt64
        public var regionAddress: UInt64
        public var regionSize: UInt64
        public var functions: [Function]
        /// The region's unwind frames, when registered with the target's unwinder.
        public var unwindFrames: UInt64? = nil
        /// The new variables the payload added, by name, in its region.
        public var variables: [String: UInt64]? = nil
        /// The payloads (by name) whose new variables this one uses.
        public var usesVariablesOf: [String]? = nil

        /// The region as something to free, frames included.
        var region: Journal.Region { .init(address: regionAddress, size: regionSize, unwindFrames: unwindFrames) }
    }

    public struct Function: Codable, Sendable, Equatable {
        public var displayName: String
        public var oldSize: UInt64
        public var site: AppliedSite
    }

    public func stack(atEntry address: UInt64) -> [AppliedSite] {
        records.flatMap { r in r.functions.filter { $0.site.entryAddress == address }.map(\.site) }
    }

    public func payloadName(_ id: Digest) -> String? { records.first { $0.id == id }?.name }

    /// Finds a record by name, full ID or an ID prefix of at least 8 digits.
    public func find(_ nameOrID: String) throws(ApplierError) -> Record {
        let key = nameOrID.lowercased()
        let byName = records.filter { $0.name == nameOrID }
        if byName.count == 1, let r = byName.first { return r }
        let byID = records.filter { key.count >= 8 && $0.id.hex.hasPrefix(key) }
        if byID.count == 1, let r = byID.first { return r }
        if byName.count + byID.count > 1 {
            throw .badRequest("\"\(nameOrID)\" matches several applied payloads; give the full ID")
        }
        throw .notApplied(nameOrID, applied: records.map { "\($0.name) (\($0.id.shortHex))" })
    }
}
