/// The records of an object's `.eh_frame`: common information entries
/// (CIEs) and frame description entries (FDEs), by offset. Only the framing
/// is read (length and CIE pointer); everything inside a record is carried
/// as bytes, with the object's relocations, so the unwinder reads exactly
/// what the compiler wrote.
struct EhFrameRecords {
    struct Record: Equatable {
        /// Where the record starts (its length field) in the section.
        let offset: Int
        /// The whole record, length field included.
        let size: Int
        /// For an FDE, the offset of its CIE; nil for a CIE.
        let cie: Int?
    }

    let records: [Record]

    /// Splits `bytes`; stops at a zero terminator or the end. Refuses the
    /// 64-bit length form (GCC and Clang never emit it for x86-64) and any
    /// record that does not fit or names a CIE that is not there.
    /// Where and why the framing is wrong.
    struct Malformed: Error {
        let offset: Int
        let reason: String
    }

    /// Where the zero terminator starts, or the end when there is none.
    let end: Int

    init(_ bytes: [UInt8]) throws(Malformed) {
        var out: [Record] = []
        var cies = Set<Int>()
        var at = 0
        while at + 4 <= bytes.count {
            let length = Self.u32(bytes, at)
            if length == 0 { break }
            guard length != 0xffff_ffff else {
                throw Malformed(offset: at, reason: "a 64-bit length record, which xsplice does not carry")
            }
            let size = 4 + Int(length)
            guard length >= 4, size <= bytes.count - at else {
                throw Malformed(offset: at, reason: "a record of \(length) bytes does not fit in the section")
            }
            let id = Int(Self.u32(bytes, at + 4))
            if id == 0 {
                cies.insert(at)
                out.append(Record(offset: at, size: size, cie: nil))
            } else {
                // The CIE pointer counts back from the pointer's own place.
                let cie = at + 4 - id
                guard cies.contains(cie) else {
                    throw Malformed(offset: at, reason: "the FDE names a CIE at \(cie), where there is none")
                }
                guard size >= 16 else {
                    throw Malformed(offset: at, reason: "an FDE of \(size) bytes is too short for its address range")
                }
                out.append(Record(offset: at, size: size, cie: cie))
            }
            at += size
        }
        records = out
        end = at
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }
}
