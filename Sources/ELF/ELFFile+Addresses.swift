/// Mapping virtual addresses to file bytes through PT_LOAD segments.
extension ELFFile {
    /// The file offset of `address`, requiring the whole range
    /// [address, address + count) to lie in one PT_LOAD segment's
    /// file-backed part. Bytes past p_filesz (e.g. .bss) have no file
    /// contents, so they are reported as not mapped.
    public func fileOffset(forVirtualAddress address: UInt64, count: UInt64) throws -> Int {
        // A range that wraps past 2^64 cannot lie inside any segment.
        guard !address.addingReportingOverflow(count).overflow else {
            throw ELFError.addressNotMapped(address)
        }
        for segment in segments where segment.type == ProgramHeader.load {
            guard address >= segment.virtualAddress else { continue }
            let delta = address - segment.virtualAddress
            guard delta <= segment.fileSize, count <= segment.fileSize - delta else { continue }
            // init checks offset + fileSize against the file only for a
            // non-empty segment, so check the result here for every caller.
            let (offset, overflow) = segment.offset.addingReportingOverflow(delta)
            guard !overflow, let result = Int(exactly: offset), result <= bytes.count,
                  count <= UInt64(bytes.count - result) else { continue }
            return result
        }
        throw ELFError.addressNotMapped(address)
    }

    /// `count` bytes of the file as they would be mapped at `address`.
    public func bytes(atVirtualAddress address: UInt64, count: Int) throws -> [UInt8] {
        guard count >= 0 else { throw ELFError.invalidCount(count) }
        let start = try fileOffset(forVirtualAddress: address, count: UInt64(count))
        let range = try ByteReader(bytes).range("bytes at virtual address 0x\(String(address, radix: 16))",
                                                offset: UInt64(start), size: UInt64(count))
        return Array(bytes[range])
    }
}
