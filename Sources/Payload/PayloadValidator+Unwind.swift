extension PayloadValidator {
    /// The target's unwinder walks an unwind section by its length fields
    /// and CIE pointers alone, so those must frame it exactly: whole records,
    /// every FDE naming a CIE, one zero terminator at the very end, and no
    /// relocation written over a length or a CIE pointer.
    static func checkUnwind(_ p: Payload) throws(PayloadError) {
        let unwind = p.sections.enumerated().filter { $0.element.kind == .unwindFrames }
        guard unwind.count <= 1 else {
            throw .invalid(field: "sections", reason: "\(unwind.count) unwind sections; a payload carries at most one")
        }
        guard let (i, s) = unwind.first else { return }
        let field = "section[\(i)]"
        let records: EhFrameRecords
        do { records = try EhFrameRecords(s.bytes) } catch {
            throw .invalid(field: field, reason: "unwind frames malformed at offset \(error.offset): \(error.reason)")
        }
        guard !records.records.isEmpty, records.end + 4 == s.bytes.count else {
            throw .invalid(field: field, reason: "unwind frames must be at least one record followed by exactly "
                + "one zero word")
        }
        for r in s.relocations {
            let lo = r.offset
            let hi = r.offset + UInt64(r.type.width)
            for rec in records.records {
                let start = UInt64(rec.offset)
                guard hi <= start || lo >= start + 8 else {
                    throw .invalid(field: field, reason: "a relocation at offset \(r.offset) overwrites the "
                        + "framing of the record at \(rec.offset)")
                }
            }
            guard hi <= UInt64(records.end) else {
                throw .invalid(field: field, reason: "a relocation at offset \(r.offset) overwrites the terminator")
            }
        }
    }
}
