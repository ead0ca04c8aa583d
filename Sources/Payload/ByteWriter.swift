/// Little-endian writer for the canonical encoding.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { put(UInt64(v), 2) }
    mutating func u32(_ v: UInt32) { put(UInt64(v), 4) }
    mutating func u64(_ v: UInt64) { put(v, 8) }
    mutating func i64(_ v: Int64) { put(UInt64(bitPattern: v), 8) }
    mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    mutating func blob(_ v: [UInt8]) {
        u32(UInt32(truncatingIfNeeded: v.count))
        raw(v)
    }
    mutating func string(_ s: String) { blob(Array(s.utf8)) }

    private mutating func put(_ v: UInt64, _ n: Int) {
        for i in 0..<n { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}
