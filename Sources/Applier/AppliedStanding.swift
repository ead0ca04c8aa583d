import Hash
import OldCodeCheck
import Payload

extension LiveSession {
    /// The verifier's view of one recorded function, from live memory and
    /// the registry alone (revert, replace and list have no payload).
    func appliedCheck(_ fn: Registry.Function, in reg: Registry) throws -> AppliedCheck {
        let live = try target.read(fn.site.entryAddress, count: try fn.checkedOldSize())
        return AppliedCheck(entry: fn.site.entryAddress, patchOffset: try fn.checkedPatchOffset(), live: live,
                            expected: fn.site.oldHash.map { .hash($0) } ?? .unknown,
                            stack: reg.stack(atEntry: fn.site.entryAddress))
    }

    /// Where `record` stands at one of its functions.
    func standing(of record: Registry.Record, at fn: Registry.Function, in reg: Registry) throws -> AppliedStanding {
        try appliedCheck(fn, in: reg).standing(of: record.id) { [target] address, count in
            try? target.read(address, count: count)
        }
    }
}

extension Registry.Function {
    /// The recorded size as an Int; `Registry.validate` bounds it, this
    /// keeps a registry that skipped validation from trapping.
    func checkedOldSize() throws(ApplierError) -> Int {
        guard let n = Int(exactly: oldSize), n <= PayloadLimits.maxFunctionSize else {
            throw .registryCorrupt("\(displayName) is recorded as \(oldSize) bytes")
        }
        return n
    }

    func checkedPatchOffset() throws(ApplierError) -> Int {
        let (d, o) = site.patchAddress.subtractingReportingOverflow(site.entryAddress)
        guard !o, d == 0 || d == UInt64(Endbr.size) else {
            throw .registryCorrupt("\(displayName)'s jump is recorded at +0x\(String(d, radix: 16)) from its entry")
        }
        return Int(d)
    }
}
