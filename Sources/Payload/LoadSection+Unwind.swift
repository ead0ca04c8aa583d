extension LoadSection {
    /// For unwind frames: whether a CIE names a personality routine ('P' in
    /// its augmentation string), i.e. the new code catches exceptions or
    /// cleans up while they pass. True when the frames cannot be read.
    public var namesPersonality: Bool {
        guard let records = try? EhFrameRecords(bytes) else { return true }
        for r in records.records where r.cie == nil {
            // length (4), CIE id (4), version (1), then the NUL-terminated augmentation.
            var at = r.offset + 9
            let end = r.offset + r.size
            while at < end, bytes[at] != 0 {
                if bytes[at] == UInt8(ascii: "P") { return true }
                at += 1
            }
        }
        return false
    }
}
