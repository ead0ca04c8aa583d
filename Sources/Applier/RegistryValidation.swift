import OldCodeCheck
import Payload

/// Checks run on every registry decoded from a target, before any of its
/// numbers is used: the registry lives in memory the target can write, so
/// its checksum proves only that it was written whole, not that it is sane.
extension Registry {
    /// Bounds on what a sane registry holds.
    static let maxRecords = 4096
    static let maxRegionSize: UInt64 = 1 << 30
    static let maxJournalWrites = 65_536

    func validate() throws(ApplierError) {
        guard records.count <= Self.maxRecords else { throw .registryCorrupt("\(records.count) records") }
        var ids = Set<String>()
        for r in records {
            guard ids.insert(r.id.hex).inserted else { throw .registryCorrupt("payload \(r.name) is recorded twice") }
            guard r.regionSize > 0, r.regionSize <= Self.maxRegionSize,
                  !r.regionAddress.addingReportingOverflow(r.regionSize).overflow else {
                throw .registryCorrupt("\(r.name)'s code region of \(r.regionSize) bytes at \(hex(r.regionAddress))")
            }
            let region = r.regionAddress..<(r.regionAddress + r.regionSize)
            for fn in r.functions {
                try fn.validate(in: region, payload: r)
            }
            // A later payload's code will write through these addresses.
            for (name, a) in r.variables ?? [:] where !region.contains(a) {
                throw .registryCorrupt("\(r.name)'s new variable \(name) at \(hex(a)), outside its region")
            }
        }
        if let j = journal { try j.validate() }
    }
}

extension Registry.Function {
    func validate(in region: Range<UInt64>, payload r: Registry.Record) throws(ApplierError) {
        let name = "\(r.name)'s record of \(displayName)"
        let size = try checkedOldSize()
        let offset = try checkedPatchOffset()
        guard site.payloadID == r.id else { throw .registryCorrupt("\(name) names another payload") }
        guard site.savedBytes.count == Trampoline.jumpSize, offset + Trampoline.jumpSize <= size,
              !site.entryAddress.addingReportingOverflow(oldSize).overflow else {
            throw .registryCorrupt("\(name): \(site.savedBytes.count) saved bytes, \(oldSize)-byte function")
        }
        let (end, o) = site.replacementAddress.addingReportingOverflow(site.replacementSize)
        guard !o, site.replacementSize > 0, site.replacementSize <= UInt64(AppliedCheck.maxReplacementSize),
              site.replacementAddress >= region.lowerBound, end <= region.upperBound else {
            throw .registryCorrupt("\(name): replacement of \(site.replacementSize) bytes at "
                + "\(hex(site.replacementAddress)) lies outside its region")
        }
    }
}

extension Journal {
    func validate() throws(ApplierError) {
        guard writes.count <= Registry.maxJournalWrites else {
            throw .registryCorrupt("journal of \(writes.count) writes")
        }
        for w in writes {
            guard w.new.count == w.old.count, w.new.count <= Trampoline.jumpSize,
                  !w.address.addingReportingOverflow(UInt64(w.new.count)).overflow else {
                throw .registryCorrupt("journal write of \(w.function) at \(hex(w.address))")
            }
        }
        for r in freeWhenDone + freeIfAbandoned {
            guard r.size <= Registry.maxRegionSize, !r.address.addingReportingOverflow(r.size).overflow else {
                throw .registryCorrupt("journal region of \(r.size) bytes at \(hex(r.address))")
            }
        }
        try Registry(records: after).validate()
    }
}
