/// Random-access, bounds-checked little-endian reads over the whole file.
///
/// Every multi-byte read and every (offset, size) pair taken from the file
/// goes through here, so there is exactly one place where untrusted numbers
/// meet array indexing. Nothing here can trap: overflow is detected with
/// `addingReportingOverflow` and turned into `ELFError.outOfBounds`.
struct ByteReader: Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    /// Validates that `[offset, offset + size)` lies inside the file and
    /// returns it as an index range that is then safe to subscript with.
    func range(_ what: String, offset: UInt64, size: UInt64) throws(ELFError) -> Range<Int> {
        let (end, overflow) = offset.addingReportingOverflow(size)
        // `end <= count` also bounds `offset`, so both conversions below fit in Int.
        guard !overflow, end <= UInt64(bytes.count),
              let lower = Int(exactly: offset), let upper = Int(exactly: end)
        else {
            throw .outOfBounds(what: what, offset: offset, size: size, fileSize: bytes.count)
        }
        return lower..<upper
    }

    /// Validates a table of `entrySize`-byte records and returns the byte
    /// range plus the number of records. The count is derived from a size
    /// already checked against the file, so callers may allocate from it.
    func table(_ what: String, offset: UInt64, size: UInt64, entrySize: Int,
               declaredEntrySize: UInt64) throws(ELFError) -> (range: Range<Int>, count: Int) {
        guard declaredEntrySize == UInt64(entrySize) else {
            throw .badEntrySize(what: what, expected: entrySize, found: declaredEntrySize)
        }
        guard size % UInt64(entrySize) == 0 else {
            throw .badTableSize(what: what, size: size, entrySize: declaredEntrySize)
        }
        let r = try range(what, offset: offset, size: size)
        return (r, r.count / entrySize)
    }

    func u8(_ what: String, at offset: Int) throws(ELFError) -> UInt8 {
        UInt8(truncatingIfNeeded: try fixed(what, at: offset, width: 1))
    }

    func u16(_ what: String, at offset: Int) throws(ELFError) -> UInt16 {
        UInt16(truncatingIfNeeded: try fixed(what, at: offset, width: 2))
    }

    func u32(_ what: String, at offset: Int) throws(ELFError) -> UInt32 {
        UInt32(truncatingIfNeeded: try fixed(what, at: offset, width: 4))
    }

    func u64(_ what: String, at offset: Int) throws(ELFError) -> UInt64 {
        try fixed(what, at: offset, width: 8)
    }

    /// Reads an unsigned little-endian integer of `width` bytes (1...8).
    private func fixed(_ what: String, at offset: Int, width: Int) throws(ELFError) -> UInt64 {
        // `bytes.count - width` cannot overflow: count >= 0 and width <= 8.
        guard offset >= 0, offset <= bytes.count - width else {
            throw .outOfBounds(what: what, offset: UInt64(truncatingIfNeeded: offset),
                               size: UInt64(width), fileSize: bytes.count)
        }
        var value: UInt64 = 0
        for i in 0..<width {
            value |= UInt64(bytes[offset + i]) << UInt64(8 * i)
        }
        return value
    }
}
